/**
 * The record's state machine applied through the ResultStore: every conditional write of a
 * stage goes through {@link tryTransition}, which checks the move against
 * ALLOWED_TRANSITIONS and turns a lost race (ConflictError, or the record deleted meanwhile)
 * into `null`. The claim helpers implement the stages' at-least-once discipline: a claim
 * bumps `attempts` under an optimistic lock, so of concurrent duplicates exactly one wins.
 */
import { ConflictError, NotFoundError } from './errors.js';
import type { ResultStore, ScanPatch, TransitionOptions } from './ports.js';
import { assertTransition, type ScanRecord, type ScanStatus, type StageName } from './record.js';

/**
 * Applies a conditional transition; returns the new record, or null when the record is no
 * longer in one of `from` (another delivery moved it), `ifAttempts` no longer holds, or the
 * record is gone. Throws RangeError for a move the state machine forbids.
 */
export async function tryTransition(
  results: ResultStore,
  id: string,
  from: readonly ScanStatus[],
  patch: ScanPatch,
  options?: TransitionOptions,
): Promise<ScanRecord | null> {
  assertTransition(from, patch.status);
  try {
    return await results.transition(id, from, patch, options);
  } catch (err) {
    if (err instanceof ConflictError || err instanceof NotFoundError) return null;
    throw err;
  }
}

/** Whether a stage holds a live claim on the record. */
export function leaseLive(record: ScanRecord, stage: StageName, now: Date): boolean {
  return record.lease?.stage === stage && Date.parse(record.lease.until) > now.getTime();
}

/** A claim request: which stage, from which statuses, to which, for how long. */
export interface ClaimRequest {
  readonly stage: StageName;
  readonly from: readonly ScanStatus[];
  readonly to: ScanStatus;
  readonly now: Date;
  /** How long the claim holds off duplicates, ms. */
  readonly claimMs: number;
  /** Extra fields written with the claim. */
  readonly extra?: Omit<Partial<ScanRecord>, 'id' | 'createdAt' | 'status'>;
}

/**
 * Claims a scan for a stage: moves it to `to` with attempts + 1 and a lease, conditional on
 * the status and on `attempts` being what was read. Returns null when another delivery won.
 */
export function claimScan(results: ResultStore, record: ScanRecord, req: ClaimRequest): Promise<ScanRecord | null> {
  return tryTransition(
    results,
    record.id,
    req.from,
    {
      ...req.extra,
      status: req.to,
      attempts: record.attempts + 1,
      stageAttempts: { ...record.stageAttempts, [req.stage]: (record.stageAttempts?.[req.stage] ?? 0) + 1 },
      lease: { stage: req.stage, until: new Date(req.now.getTime() + req.claimMs).toISOString() },
      updatedAt: req.now.toISOString(),
    },
    { ifAttempts: record.attempts },
  );
}

/**
 * Finishes a claimed step: moves the scan on from its claimed status, clears the lease.
 * Null when the claim was lost meanwhile (a later delivery took over).
 */
export function finishClaim(
  results: ResultStore,
  claimed: ScanRecord,
  patch: Omit<ScanPatch, 'lease' | 'attempts'>,
): Promise<ScanRecord | null> {
  return tryTransition(results, claimed.id, [claimed.status], { ...patch, lease: null }, { ifAttempts: claimed.attempts });
}

/**
 * Gives a claim back after a retryable failure, so the retry does not mistake it for a live
 * duplicate. Never throws: if the store is down the lease simply runs out.
 */
export async function releaseClaim(results: ResultStore, claimed: ScanRecord): Promise<void> {
  try {
    await finishClaim(results, claimed, { status: claimed.status });
  } catch {
    // The store is down: the lease runs out by itself.
  }
}
