/**
 * ResultStore on Amazon DynamoDB (SDK v3 document client). Tested against dynalite on
 * 127.0.0.1 with the same contract suite as the SQLite store.
 *
 * Key schema (the CDK table in `lib/` builds it from {@link RESULT_TABLE}, so the two
 * cannot drift):
 * - table: partition key `id` (S), no sort key; TTL on `expiresAt` (N, epoch seconds);
 * - GSI `by-status`: partition `status` (S), sort `sk` (S), projection ALL;
 * - GSI `by-key`: partition `key` (S), sort `sk` (S), projection ALL — sparse: records
 *   whose key is still unknown carry no `key` attribute;
 * - GSI `by-created`: partition `kind` (S, always `scan`), sort `sk` (S), projection ALL;
 * - GSI `by-owner`: partition `owner` (S), sort `sk` (S), projection ALL — sparse: photos
 *   dropped straight into the bucket have no owner (admins only);
 * - `sk` = `<createdAt ISO-8601>#<id>`: descending order is newest first, the id breaks ties.
 *
 * Only what a {@link ScanRecord} holds is stored: the masked PAN and last four, never a
 * full number. Defence in depth, as in the SQLite store: every string of a record (the object
 * key above all — a photo dropped into the bucket under a card number as its name) is passed
 * through `redactPans` before it becomes an attribute, and a `key` lookup is masked the same
 * way so it still finds the record.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import { redactPans, redactPansDeep } from '../../core/mask.js';
import type { ListScansQuery, ResultStore, ScanPatch } from '../../core/ports.js';
import { SCAN_STATUSES, redactedForStore, type ScanRecord, type ScanStatus } from '../../core/record.js';
import { RESULT_TABLE } from './result-table-schema.js';

export { RESULT_TABLE } from './result-table-schema.js';

export interface DynamoResultStoreOptions {
  /** A client created once per process (module scope on Lambda). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** Attributes the adapter adds to a record for its indexes; stripped on read. */
const INTERNAL_ATTRIBUTES = [RESULT_TABLE.sortKey, RESULT_TABLE.indexes.byCreated.partitionKey] as const;

/** Fields no transition may change. */
const IMMUTABLE_FIELDS: ReadonlySet<string> = new Set(['id', 'owner', 'createdAt']);

/**
 * Optional fields stored only while they hold a value: `key` and `owner` are GSI keys (which
 * cannot be NULL), `lease` is transient. A null in a patch removes the attribute.
 */
const SPARSE_FIELDS: ReadonlySet<string> = new Set(['key', 'owner', 'lease']);

const cursorSchema = z.record(z.string(), z.string().max(1024)).refine((o) => Object.keys(o).length <= 4);

function sortKeyOf(record: Pick<ScanRecord, 'createdAt' | 'id'>): string {
  return `${record.createdAt}#${record.id}`;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Record<string, string> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch (err) {
    throw new ValidationError('invalid cursor', { cause: err });
  }
}

/** Record → item: adds index attributes, drops null sparse fields. */
function toItem(record: ScanRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  const clean = redactedForStore(record);
  for (const [field, value] of Object.entries(clean)) {
    if (value === null && SPARSE_FIELDS.has(field)) continue;
    item[field] = value;
  }
  return {
    ...item,
    [RESULT_TABLE.sortKey]: sortKeyOf(record),
    [RESULT_TABLE.indexes.byCreated.partitionKey]: RESULT_TABLE.kindValue,
  };
}

/** Item → record: strips index attributes, restores a missing `key` as null. */
function fromItem(item: Record<string, unknown>): ScanRecord {
  const copy: Record<string, unknown> = { ...item };
  for (const attr of INTERNAL_ATTRIBUTES) delete copy[attr];
  if (copy['key'] === undefined) copy['key'] = null;
  if (copy['owner'] === undefined) copy['owner'] = null;
  return copy as unknown as ScanRecord;
}

function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ConditionalCheckFailedException')
  );
}

/** {@link ResultStore} backed by one DynamoDB table (schema in the module TSDoc). */
export class DynamoResultStore implements ResultStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoResultStoreOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.#table = options.tableName;
  }

  async create(record: ScanRecord): Promise<void> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': RESULT_TABLE.partitionKey },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`scan ${record.id} exists already`, { cause: err });
      throw err;
    }
  }

  async get(id: string): Promise<ScanRecord | null> {
    const out = await this.#doc.send(
      new GetCommand({ TableName: this.#table, Key: { [RESULT_TABLE.partitionKey]: id }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  /**
   * Newest first, from the GSI that matches the most selective filter (`key`, then `owner`,
   * then `status`); the other filters become a filter expression. Since DynamoDB applies
   * `Limit` before filtering, pages are gathered until `limit` records are found, and the
   * cursor is rebuilt from the last record returned rather than taken from
   * `LastEvaluatedKey` (which may lie past it).
   */
  async list(query: ListScansQuery): Promise<{ items: ScanRecord[]; cursor?: string }> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 100) {
      throw new ValidationError(`limit must be an integer in 1..100, got ${query.limit}`);
    }
    if (query.status !== undefined && !(SCAN_STATUSES as readonly string[]).includes(query.status)) {
      throw new ValidationError(`unknown status ${String(query.status)}`);
    }
    const { indexes } = RESULT_TABLE;
    // Keys are stored masked (see toItem): look them up masked too.
    const filters: Array<[field: 'key' | 'owner' | 'status', value: string]> = [];
    if (query.key !== undefined) filters.push(['key', redactPans(query.key)]);
    if (query.owner !== undefined) filters.push(['owner', query.owner]);
    if (query.status !== undefined) filters.push(['status', query.status]);
    const [first, ...rest] = filters;
    const index =
      first === undefined
        ? indexes.byCreated
        : first[0] === 'key'
          ? indexes.byKey
          : first[0] === 'owner'
            ? indexes.byOwner
            : indexes.byStatus;
    const partitionValue = first === undefined ? RESULT_TABLE.kindValue : first[1];

    const names: Record<string, string> = { '#pk': index.partitionKey };
    const values: Record<string, unknown> = { ':pk': partitionValue };
    rest.forEach(([field, value], i) => {
      names[`#flt${i}`] = field;
      values[`:flt${i}`] = value;
    });
    const base: QueryCommandInput = {
      TableName: this.#table,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(rest.length > 0 ? { FilterExpression: rest.map((_, i) => `#flt${i} = :flt${i}`).join(' AND ') } : {}),
      ScanIndexForward: false,
    };

    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined = query.cursor ? decodeCursor(query.cursor) : undefined;
    let more = true;
    while (items.length < query.limit && more) {
      const out = await this.#doc.send(
        new QueryCommand({
          ...base,
          // One extra read tells whether another page exists without a second round trip.
          Limit: query.limit - items.length + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
      more = startKey !== undefined;
    }

    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    const hasMore = items.length > query.limit || more;
    if (!hasMore || last === undefined) return { items: page.map(fromItem) };
    const cursorKey = {
      [RESULT_TABLE.partitionKey]: last[RESULT_TABLE.partitionKey],
      [index.partitionKey]: last[index.partitionKey],
      [index.sortKey]: last[index.sortKey],
    };
    return { items: page.map(fromItem), cursor: encodeCursor(cursorKey) };
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.#doc.send(
      new DeleteCommand({ TableName: this.#table, Key: { [RESULT_TABLE.partitionKey]: id }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }

  /**
   * One conditional UpdateItem: `attribute_exists(id) AND status IN (:from…)`. When the
   * condition fails, a consistent read tells a missing record (NotFoundError) from one in
   * another status or attempt count (ConflictError). `updatedAt` defaults to now.
   * `options.ifAttempts` adds `attempts = :n` to the condition (optimistic claim).
   */
  async transition(
    id: string,
    from: readonly ScanStatus[],
    patch: ScanPatch,
    options: { readonly ifAttempts?: number } = {},
  ): Promise<ScanRecord> {
    if (from.length === 0) throw new ValidationError('transition needs at least one source status');
    const names: Record<string, string> = { '#id': RESULT_TABLE.partitionKey, '#status': 'status' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    const full: ScanPatch = redactPansDeep({ ...patch, updatedAt: patch.updatedAt ?? new Date().toISOString() });

    Object.entries(full).forEach(([field, value], i) => {
      if (value === undefined || IMMUTABLE_FIELDS.has(field)) return;
      const name = `#f${i}`;
      names[name] = field;
      if (value === null && SPARSE_FIELDS.has(field)) {
        removes.push(name);
        return;
      }
      values[`:v${i}`] = value;
      sets.push(`${name} = :v${i}`);
    });
    from.forEach((s, i) => {
      values[`:from${i}`] = s;
    });
    let condition = `attribute_exists(#id) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`;
    if (options.ifAttempts !== undefined) {
      names['#attempts'] = 'attempts';
      values[':ifAttempts'] = options.ifAttempts;
      condition += ' AND #attempts = :ifAttempts';
    }

    const update = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [RESULT_TABLE.partitionKey]: id },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!out.Attributes) throw new NotFoundError(`scan ${id} does not exist`);
      return fromItem(out.Attributes);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.get(id);
      if (current === null) throw new NotFoundError(`scan ${id} does not exist`, { cause: err });
      const why = from.includes(current.status)
        ? `has attempts ${current.attempts}, expected ${String(options.ifAttempts)}`
        : `is ${current.status}, expected ${from.join(' or ')} to move to ${patch.status}`;
      throw new ConflictError(`scan ${id} ${why}`, { cause: err });
    }
  }
}
