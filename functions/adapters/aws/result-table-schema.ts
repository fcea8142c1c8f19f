/**
 * Key schema of the DynamoDB results table, shared by the adapter
 * ({@link DynamoResultStore}) and the CDK construct in `lib/` so that both cannot drift.
 * This module is constants only (no SDK import), so CDK code can import it cheaply.
 *
 * Table (on-demand):
 * | attribute   | type | role                                                                |
 * | ----------- | ---- | ------------------------------------------------------------------- |
 * | `id`        | S    | table partition key (no sort key)                                   |
 * | `status`    | S    | partition key of GSI `by-status`                                    |
 * | `key`       | S    | partition key of GSI `by-key`; absent while unknown (sparse index)   |
 * | `kind`      | S    | partition key of GSI `by-created`; always `scan`                    |
 * | `owner`     | S    | partition key of GSI `by-owner`; absent for bucket drops (sparse)   |
 * | `sk`        | S    | sort key of all three GSIs: `<createdAt ISO-8601>#<id>`            |
 * | `expiresAt` | N    | TTL attribute, epoch seconds                                        |
 *
 * `by-owner` serves a user's own list (tenancy): a non-admin's page is read from the owner's
 * partition, never filtered out of everyone's.
 *
 * Quota counters live in the same table as items keyed `quota#<user>#<window>#<start>`
 * (attributes `n` and the TTL `expiresAt` only): they carry none of the GSI keys, so no index
 * and no list ever sees them.
 *
 * All GSIs project ALL attributes, so a list query is served from the index alone.
 * Sorting by `sk` descending gives newest first, with the id as a tie-break so that
 * cursors are stable. `by-created` has a single partition value: it serves the
 * unfiltered "recent scans" list and caps sustained creates at what one index partition
 * accepts (about 1,000 writes/s), far above what one OCR pipeline produces.
 */
export const RESULT_TABLE = Object.freeze({
  partitionKey: 'id',
  ttlAttribute: 'expiresAt',
  sortKey: 'sk',
  indexes: Object.freeze({
    byStatus: Object.freeze({ name: 'by-status', partitionKey: 'status', sortKey: 'sk' }),
    byKey: Object.freeze({ name: 'by-key', partitionKey: 'key', sortKey: 'sk' }),
    byCreated: Object.freeze({ name: 'by-created', partitionKey: 'kind', sortKey: 'sk' }),
    byOwner: Object.freeze({ name: 'by-owner', partitionKey: 'owner', sortKey: 'sk' }),
  }),
  /** Id prefix of the quota counter items (never a scan id: those are ULID-like, no `#`). */
  quotaPrefix: 'quota#',
  /** Count attribute of a quota counter item. */
  quotaCount: 'n',
  /** Constant value of `kind` on every record. */
  kindValue: 'scan',
} as const);

/**
 * Key schema of the Powertools idempotency table: partition key `id` (S), TTL attribute
 * `expiration` (the Powertools defaults).
 */
export const IDEMPOTENCY_TABLE = Object.freeze({
  partitionKey: 'id',
  ttlAttribute: 'expiration',
} as const);
