/**
 * QuotaCounter on DynamoDB: one item per user and window in the results table (id
 * `quota#<key>`, count `n`, TTL `expiresAt`), raised by one conditional UpdateItem, so the
 * quota holds across every Lambda instance. The items carry no GSI key attribute: no list
 * and no index sees them (see result-table-schema.ts).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QuotaCounter } from '../../core/ports.js';
import { RESULT_TABLE } from './result-table-schema.js';

export interface DynamoQuotaCounterOptions {
  readonly client: DynamoDBClient;
  /** The results table (its TTL attribute purges old counters). */
  readonly tableName: string;
}

/** {@link QuotaCounter} as conditional counter items with a TTL. */
export class DynamoQuotaCounter implements QuotaCounter {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoQuotaCounterOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client);
    this.#table = options.tableName;
  }

  async tryIncrement(key: string, limit: number, expiresAt: number): Promise<{ counted: boolean; count: number }> {
    const id = `${RESULT_TABLE.quotaPrefix}${key}`;
    try {
      // ADD creates the item at 1; the condition keeps concurrent callers from passing the limit.
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [RESULT_TABLE.partitionKey]: id },
          UpdateExpression: 'ADD #n :one SET #exp = if_not_exists(#exp, :exp)',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': RESULT_TABLE.quotaCount, '#exp': RESULT_TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':exp': expiresAt },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { counted: true, count: Number(out.Attributes?.[RESULT_TABLE.quotaCount] ?? 1) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) && (err as { name?: unknown })?.name !== 'ConditionalCheckFailedException') {
        throw err;
      }
      // Full: nothing written. The count is the limit (no second read for a refusal, floods stay cheap).
      return { counted: false, count: limit };
    }
  }
}
