/**
 * JobQueue on Amazon SQS. In the pipeline the preprocess Lambda only `send`s (its one
 * `read {id}` job per scan); the read Lambda is driven by its event source mapping, which does
 * the receiving, deleting and redriving. receive / ack / retry / deadLetters are the same port
 * for tools and tests, with SQS semantics:
 * - a lease is the visibility timeout (whole seconds, rounded up), `attempt` the message's
 *   ApproximateReceiveCount;
 * - `retry` changes the visibility to the backoff, or, once `maxAttempts` is reached, moves the
 *   message to the queue's dead-letter queue with the reason as a message attribute (the
 *   queue's redrive policy moves messages whose worker died on every attempt);
 * - `dedupeKey` becomes the deduplication id on a FIFO queue; a standard queue does not dedupe
 *   (the stages are idempotent).
 * Bodies are JSON. Card data never goes in a job (the read job names the scan id only).
 */
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ValidationError } from '../../core/errors.js';
import { redactPans } from '../../core/mask.js';
import type { Job, JobQueue } from '../../core/ports.js';

export interface SqsJobQueueOptions {
  readonly client: SQSClient;
  /** Queue name (as the stages use it, e.g. `read`) → queue URL. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** Queue name → its dead-letter queue URL (needed by `retry` past the limit and `deadLetters`). */
  readonly deadLetterUrls?: Readonly<Record<string, string>>;
  /** Deliveries before `retry` dead-letters a job (the queue's maxReceiveCount). Default 5. */
  readonly maxAttempts?: number;
}

/** Longest delay SQS accepts, seconds. */
const MAX_DELAY_SECONDS = 900;
/** Longest visibility timeout SQS accepts, seconds (12 h). */
const MAX_VISIBILITY_SECONDS = 43_200;
const REASON_ATTRIBUTE = 'cardocr-reason';
const ATTEMPT_ATTRIBUTE = 'cardocr-attempt';

const seconds = (ms: number, max: number) => Math.min(max, Math.max(0, Math.ceil(ms / 1000)));

/** {@link JobQueue} over SQS queues. */
export class SqsJobQueue implements JobQueue {
  readonly #o: SqsJobQueueOptions;
  readonly #maxAttempts: number;
  /** The receipt handle of each delivery: acks and retries act on that delivery only. */
  readonly #receipts = new WeakMap<Job, string>();

  constructor(options: SqsJobQueueOptions) {
    this.#o = options;
    this.#maxAttempts = options.maxAttempts ?? 5;
  }

  #url(queue: string): string {
    const url = this.#o.queueUrls[queue];
    if (!url) throw new ValidationError(`no SQS queue URL configured for queue "${queue}"; pass it in queueUrls`);
    return url;
  }

  #deadLetterUrl(queue: string): string {
    const url = this.#o.deadLetterUrls?.[queue];
    if (!url) throw new ValidationError(`no dead-letter queue URL configured for queue "${queue}"; pass it in deadLetterUrls`);
    return url;
  }

  async send<T>(queue: string, body: T, options: { delayMs?: number; dedupeKey?: string } = {}): Promise<void> {
    const url = this.#url(queue);
    const fifo = url.endsWith('.fifo');
    await this.#o.client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify(body),
        // FIFO queues take no per-message delay.
        ...(options.delayMs && !fifo ? { DelaySeconds: seconds(options.delayMs, MAX_DELAY_SECONDS) } : {}),
        ...(fifo
          ? {
              MessageGroupId: queue,
              MessageDeduplicationId: createHash('sha256')
                .update(options.dedupeKey ?? JSON.stringify(body))
                .digest('base64url'),
            }
          : {}),
      }),
    );
  }

  async receive<T>(queue: string, options: { max: number; leaseMs: number }): Promise<Job<T>[]> {
    const out = await this.#o.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#url(queue),
        MaxNumberOfMessages: Math.min(10, Math.max(1, options.max)),
        VisibilityTimeout: seconds(options.leaseMs, MAX_VISIBILITY_SECONDS),
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return (out.Messages ?? []).map((m) => {
      const job = this.#job<T>(queue, m);
      this.#receipts.set(job, m.ReceiptHandle ?? '');
      return job;
    });
  }

  #job<T>(queue: string, m: Message): Job<T> {
    return {
      id: m.MessageId ?? '',
      queue,
      body: JSON.parse(m.Body ?? 'null') as T,
      attempt: Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1,
    };
  }

  #receipt(job: Job): string {
    const receipt = this.#receipts.get(job);
    if (!receipt) throw new ValidationError(`job ${job.id} was not received from this queue; pass the job receive returned`);
    return receipt;
  }

  async ack(job: Job): Promise<void> {
    try {
      await this.#o.client.send(new DeleteMessageCommand({ QueueUrl: this.#url(job.queue), ReceiptHandle: this.#receipt(job) }));
    } catch (err) {
      // A stale delivery (its visibility ran out and the message went to another worker): that
      // delivery's ack is void, as on the SQLite queue.
      if (!isStaleReceipt(err)) throw err;
    }
  }

  async retry(job: Job, options: { delayMs: number; reason: string }): Promise<{ deadLettered: boolean }> {
    const url = this.#url(job.queue);
    const receipt = this.#receipt(job);
    try {
      if (job.attempt >= this.#maxAttempts) {
        await this.#o.client.send(
          new SendMessageCommand({
            QueueUrl: this.#deadLetterUrl(job.queue),
            MessageBody: redactPans(JSON.stringify(job.body)),
            MessageAttributes: {
              [REASON_ATTRIBUTE]: { DataType: 'String', StringValue: redactPans(options.reason) },
              [ATTEMPT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(job.attempt) },
            },
          }),
        );
        await this.#o.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt }));
        return { deadLettered: true };
      }
      await this.#o.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: receipt,
          VisibilityTimeout: seconds(options.delayMs, MAX_VISIBILITY_SECONDS),
        }),
      );
      return { deadLettered: false };
    } catch (err) {
      if (isStaleReceipt(err)) return { deadLettered: false };
      throw err;
    }
  }

  async deadLetters<T>(queue: string): Promise<Array<Job<T> & { reason: string }>> {
    const url = this.#deadLetterUrl(queue);
    const seen = new Map<string, Job<T> & { reason: string }>();
    const receipts: string[] = [];
    // Peek: hide each page briefly while paging, then make every message visible again.
    for (;;) {
      const out = await this.#o.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      const page = (out.Messages ?? []).filter((m) => !seen.has(m.MessageId ?? ''));
      if (page.length === 0) break;
      for (const m of page) {
        receipts.push(m.ReceiptHandle ?? '');
        const attrs = m.MessageAttributes ?? {};
        const job = this.#job<T>(queue, m);
        const ours = attrs[ATTEMPT_ATTRIBUTE]?.StringValue;
        seen.set(job.id, {
          ...job,
          // Moved by retry(): its own record. Moved by the redrive policy: received maxReceiveCount
          // times (its receive count here is not that: peeking counts, and emulators differ).
          attempt: ours ? Number(ours) : this.#maxAttempts,
          reason: attrs[REASON_ATTRIBUTE]?.StringValue ?? 'lease expired on every attempt (moved by the redrive policy)',
        });
      }
    }
    // Every message is made visible again even if some calls fail; a failure is not dropped:
    // it is thrown once all were tried (those messages reappear by themselves after 30 s).
    const released = await Promise.allSettled(
      receipts.map((r) => this.#o.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: r, VisibilityTimeout: 0 }))),
    );
    const failed = released.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(
        `peeked ${receipts.length} dead letters of ${queue} but could not make ${failed.length} visible again ` +
          '(they reappear after their 30 s visibility timeout); retry the call',
        { cause: failed[0]!.reason },
      );
    }
    return [...seen.values()];
  }
}

function isStaleReceipt(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === 'ReceiptHandleIsInvalid' || name === 'InvalidParameterValue' || name === 'MessageNotInflight';
}
