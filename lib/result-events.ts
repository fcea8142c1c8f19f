/**
 * `ResultEvents`: the consumers' hook. Each time a scan reaches a final status (`done` or
 * `failed`), one event lands on an EventBridge bus:
 *
 * ```json
 * { "source": "card-ocr", "detail-type": "Scan Finished",
 *   "detail": { "scanId": "01J...", "status": "done" } }
 * ```
 *
 * The events come from the results table's DynamoDB stream through an EventBridge Pipe that
 * keeps only the change into a final status and reshapes it to the id and status: no card
 * field (not even the masked ones) leaves the table this way. Consumers fetch the result with
 * the access `CardOcrPipeline.grantReadResults()` gives them. Delivery is at least once; what the
 * bus refuses after the retries is parked in a dead-letter queue (alarmed).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RESULT_TABLE } from '../functions/adapters/aws/result-table-schema.js';
import { AlarmSet } from './alarms.js';

const ID = RESULT_TABLE.partitionKey;
const STATUS = RESULT_TABLE.indexes.byStatus.partitionKey;

/** `source` of the result events. */
export const RESULT_EVENT_SOURCE = 'card-ocr';
/** `detail-type` of the result events. */
export const RESULT_EVENT_DETAIL_TYPE = 'Scan Finished';
/** Statuses that end a scan (`functions/core/record.ts`). */
export const FINAL_STATUSES: readonly string[] = Object.freeze(['done', 'failed']);

export interface ResultEventsProps {
  /** The results table; it must have a stream with new and old images. */
  readonly table: dynamodb.ITable;
  /**
   * The bus the events are put on.
   * @default - a new event bus
   */
  readonly eventBus?: events.IEventBus;
}

/** Results table stream → Pipe (final statuses only, id + status) → EventBridge bus. */
export class ResultEvents extends Construct {
  /** Where "Scan Finished" events arrive; add rules on it. */
  public readonly eventBus: events.IEventBus;
  /** The pattern that matches the pipeline's result events (for `new events.Rule`). */
  public readonly eventPattern: events.EventPattern;
  /** Stream records the pipe could not deliver after its retries (kept 14 days, alarmed). */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Depth of the dead-letter queue. */
  public readonly alarms: AlarmSet;

  constructor(scope: Construct, id: string, props: ResultEventsProps) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (streamArn === undefined) {
      throw new Error(
        'CardOcrPipeline: result events need a stream on the results table (NEW_AND_OLD_IMAGES); ' +
          'the table given has none. Enable the stream, or import the table with tableStreamArn.',
      );
    }
    this.eventBus = props.eventBus ?? new events.EventBus(this, 'Bus', { description: 'Card OCR: finished scans' });
    this.eventPattern = { source: [RESULT_EVENT_SOURCE], detailType: [RESULT_EVENT_DETAIL_TYPE] };

    const role = new iam.Role(this, 'PipeRole', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Card OCR result events: reads the results table stream, puts events on the bus',
    });
    props.table.grantStreamRead(role);
    this.eventBus.grantPutEventsTo(role);
    // An event the bus refuses after the retries is parked here, not dropped: the scan's result
    // stays in the table either way, and the record tells an operator which scan it was.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue.grantSendMessages(role);
    this.alarms = new AlarmSet(this);
    this.alarms.add('DlqDepthAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      description: 'Result events the pipe could not put on the bus: consumers missed these scans.',
    });

    const pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: 'Card OCR: results table changes into a final status → Scan Finished events',
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          batchSize: 10,
          // A poison record must not block the shard: after a few tries it goes to the DLQ.
          maximumRetryAttempts: 3,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
        filterCriteria: {
          filters: [
            {
              pattern: JSON.stringify({
                eventName: ['MODIFY'],
                dynamodb: {
                  NewImage: { [STATUS]: { S: FINAL_STATUSES } },
                  // Only the change INTO a final status: a later touch of a finished record is not news.
                  OldImage: { [STATUS]: { S: [{ 'anything-but': FINAL_STATUSES }] } },
                },
              }),
            },
            {
              // A record created already final (e.g. a refused upload) has no old image.
              pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { [STATUS]: { S: FINAL_STATUSES } } },
              }),
            },
          ],
        },
      },
      target: this.eventBus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: { source: RESULT_EVENT_SOURCE, detailType: RESULT_EVENT_DETAIL_TYPE },
        // Quoted placeholders: both are strings (Pipes docs: quote JSON-path string values).
        inputTemplate: `{"scanId": "<$.dynamodb.Keys.${ID}.S>", "status": "<$.dynamodb.NewImage.${STATUS}.S>"}`,
      },
    });
    pipe.node.addDependency(role);
  }
}
