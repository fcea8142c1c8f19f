/**
 * `CardOcrPipeline`: the card-reading pipeline on AWS as one reusable construct, composed of
 * small ones:
 *
 * ```
 * CardOcrPipeline
 * ├── Storage     PipelineStorage  photo bucket (or yours), results table (or yours), idempotency table
 * ├── Preprocess  SqsStage         queue + DLQ + λ preprocess + alarms   ◀── S3 uploads/ ObjectCreated
 * ├── Read        SqsStage         queue + DLQ + λ read (models) + alarms ◀── one `read {id}` message from preprocess
 * ├── Api         ScanApi          HTTP API + JWT authorizer + λ api (+ Cognito user pool) + alarms
 * └── Results     ResultEvents     results stream → Pipe → EventBridge bus ("Scan Finished")
 * ```
 *
 * Photo flow: `uploads/<id>.<ext>` → S3 notification → preprocess queue → preprocess writes
 * `processed/<id>.png`, moves the record to `reading` and sends one message to the read queue
 * → read → result in the table, both images deleted. Only `uploads/` has a notification, so
 * no stage can trigger itself and nothing polls.
 *
 * Construct ids are part of the API: changing one replaces the resource on deploy.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_MODEL_DIR } from './lambda-bundling.js';
import { acknowledgePipelineFindings } from './nag-acknowledgements.js';
import { ENV, METRICS_NAMESPACE, NODE_OPTIONS, ORT_DISABLE_TELEMETRY, POWERTOOLS_ENV } from './pipeline-env.js';
import type { PipelineFunctionDefaults } from './pipeline-function.js';
import { PipelineStorage, PROCESSED_PREFIX, UPLOADS_PREFIX, type PipelineStorageProps } from './pipeline-storage.js';
import { ResultEvents } from './result-events.js';
import { DEFAULT_ADMIN_GROUP, DEFAULT_SCAN_QUOTA, ScanApi, type ScanApiOptions } from './scan-api.js';
import { RESULT_TABLE } from '../functions/adapters/aws/result-table-schema.js';
import { SqsStage, type SqsStageOptions } from './sqs-stage.js';

export { PROCESSED_PREFIX, UPLOADS_PREFIX } from './pipeline-storage.js';
export { PUBLIC_ROUTES } from './scan-api.js';
export { HANDLER_ENTRIES } from './pipeline-function.js';

/** DynamoDB actions each function uses on the results table (nothing more: no Scan, no batch writes). */
export const RESULTS_TABLE_ACTIONS = Object.freeze({
  // get, create (a photo dropped without the API), conditional transition
  stage: Object.freeze(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
  // create, get, list (Query on the GSIs), delete
  api: Object.freeze(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem']),
  // what consumers get from grantReadResults()
  read: Object.freeze(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']),
});

/** Default memory of the read function, MB (see its sizing note in the constructor). */
export const READ_MEMORY_MB = 1769;

/** What the Powertools idempotency layer calls on its table. */
export const IDEMPOTENCY_TABLE_ACTIONS = Object.freeze([
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
]);

/** Settings of a {@link CardOcrPipeline}; every one optional. */
export interface CardOcrPipelineProps {
  /**
   * CPU architecture of the three functions; sharp's and onnxruntime's native binaries are
   * packaged for it.
   * @default lambda.Architecture.ARM_64 (about 20 % cheaper per GB-second than x86_64)
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Removal policy of the stateful resources the construct creates (buckets, results table,
   * user pool, log groups). With `DESTROY` the buckets are emptied on delete, and deletion
   * protection of the table and the user pool is off, so `cdk destroy` leaves nothing behind.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the functions' and the API's log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * X-Ray active tracing on the functions. Off by default: at low volume traces are the
   * largest per-photo cost line (about $5 per million traces recorded, $0.50 per million
   * retrieved, after the free tier).
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Largest accepted photo, bytes: the presigned POST's `content-length-range` upper bound
   * and the reader's input limit.
   * @default 15 MiB
   */
  readonly maxUploadBytes?: number;
  /**
   * Days a scan record is kept before DynamoDB's TTL purges it (`expiresAt`).
   * @default 30
   */
  readonly recordRetentionDays?: number;
  /**
   * Storage: bring your own bucket or results table, access log retention.
   * @default - a new bucket, results table and idempotency table
   */
  readonly storage?: Omit<PipelineStorageProps, 'removalPolicy' | 'uploadOrigins'>;
  /**
   * The preprocess stage (decode, find and normalise the card).
   * @default - 1024 MB, 60 s, batches of 5, at most 5 concurrent
   */
  readonly preprocess?: SqsStageOptions;
  /**
   * The read stage (OCR and field checks).
   * @default - 1769 MB (one vCPU; 2.8× the measured peak), 90 s, batches of 2, at most 5 concurrent
   */
  readonly read?: SqsStageOptions;
  /**
   * The HTTP API: memory, CORS origins, identity provider, throttling.
   * @default - 512 MB, a Cognito user pool, 20 req/s (burst 40), no cross-origin callers (the web page the API serves is same-origin)
   */
  readonly api?: ScanApiOptions;
  /**
   * Topic that receives every alarm's ALARM and OK notifications.
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Publish a "Scan Finished" event (`{scanId, status}`) for every scan that ends.
   * Needs a stream on a brought results table.
   * @default true
   */
  readonly resultEvents?: boolean;
  /**
   * The EventBridge bus result events are put on (the consumers' hook).
   * @default - a new event bus, `resultBus`
   */
  readonly onResult?: events.IEventBus;
}

/**
 * S3 → SQS notification target whose queue policy names the bucket's account as well as the
 * bucket (`aws:SourceAccount`): a bucket of the same name in another account cannot send.
 */
class QueueNotification implements s3.IBucketNotificationDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this.queue).account },
        },
      }),
    );
    return { arn: this.queue.queueArn, type: s3.BucketNotificationDestinationType.QUEUE, dependencies: [this.queue] };
  }
}

/** The card-reading pipeline: storage, two SQS-driven stages, the HTTP API, alarms and result events. */
export class CardOcrPipeline extends Construct {
  /** Bucket, results table and idempotency table (created or brought). */
  public readonly storage: PipelineStorage;
  /** Photos (`uploads/`) and normalised cards (`processed/`), both transient. */
  public readonly bucket: s3.IBucket;
  /** Scan records (masked card fields only). */
  public readonly resultsTable: dynamodb.ITable;
  /** Powertools idempotency records of the two stages. */
  public readonly idempotencyTable: dynamodb.ITable;
  /** Decode, find and normalise the card: fed by the bucket's `uploads/` notification. */
  public readonly preprocess: SqsStage;
  /** Read the normalised card: fed by one message per photo from the preprocess function. */
  public readonly read: SqsStage;
  /** The HTTP API and its identity provider. */
  public readonly api: ScanApi;
  /** The bus that receives "Scan Finished" events; undefined with `resultEvents: false`. */
  public readonly resultBus?: events.IEventBus;
  /** The construct behind `resultBus`. */
  public readonly resultEvents?: ResultEvents;
  /** Every alarm the construct creates. */
  public readonly alarms: readonly cloudwatch.IAlarm[];
  /** Whether the functions are traced with X-Ray. */
  public readonly tracing: boolean;

  constructor(scope: Construct, id: string, props: CardOcrPipelineProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const maxUploadBytes = props.maxUploadBytes ?? 15 * 1024 * 1024;
    this.tracing = props.tracing ?? false;
    const functionDefaults: PipelineFunctionDefaults = {
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
      tracing: this.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    };
    // Origins are checked here (before they reach the bucket's CORS) as well as in ScanApi.
    const allowedOrigins = [...(props.api?.allowedOrigins ?? [])];
    if (allowedOrigins.includes('*')) throw new Error("CardOcrPipeline: list exact api.allowedOrigins; '*' is not accepted");

    // ---- Storage -------------------------------------------------------------------------
    this.storage = new PipelineStorage(this, 'Storage', { ...props.storage, removalPolicy, uploadOrigins: allowedOrigins });
    this.bucket = this.storage.bucket;
    this.resultsTable = this.storage.resultsTable;
    this.idempotencyTable = this.storage.idempotencyTable;

    const commonEnv: Record<string, string> = {
      [ENV.bucketName]: this.bucket.bucketName,
      [ENV.tableName]: this.resultsTable.tableName,
      [ENV.retentionDays]: String(props.recordRetentionDays ?? 30),
      [ENV.maxInputBytes]: String(maxUploadBytes),
      [POWERTOOLS_ENV.serviceName]: 'card-ocr',
      [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
      // Stack traces point into the TypeScript sources through the bundled source maps.
      [NODE_OPTIONS]: '--enable-source-maps',
      // The Powertools Tracer captures the SDK clients only where X-Ray traces (off by default).
      ...(this.tracing ? { [POWERTOOLS_ENV.traceEnabled]: 'true' } : {}),
    };
    const stageEnv = { ...commonEnv, [ENV.idempotencyTable]: this.idempotencyTable.tableName };

    // ---- Stages --------------------------------------------------------------------------
    this.preprocess = new SqsStage(this, 'Preprocess', {
      ...props.preprocess,
      kind: 'preprocess',
      description: 'Card OCR: decode, find and normalise the card in an uploaded photo',
      environment: stageEnv,
      functionDefaults,
      // A batch of up to 5 photos, processed one at a time (functions/handlers/aws/sqs-stage.ts),
      // each with a 10 s decode budget: 5 × 10 s = 50 s is 56 % of 90 s, so a batch whose photos
      // all use their whole budget still ends well inside the timeout. Memory: the peak of one
      // maximum-size photo, measured (test/integration/preprocess-batch-sizing.test.ts prints it).
      defaults: { memorySize: 1024, timeout: Duration.seconds(90), batchSize: 5 },
    });
    this.read = new SqsStage(this, 'Read', {
      ...props.read,
      kind: 'read',
      description: 'Card OCR: read the normalised card, store masked fields, delete the images',
      environment: {
        ...stageEnv,
        [ENV.ocrWorkers]: '1',
        // The learned readers' models travel inside the asset (lib/lambda-bundling.ts).
        [ENV.modelDir]: LAMBDA_MODEL_DIR,
        // No onnxruntime telemetry: no files in /tmp, no uploads to third parties.
        [ORT_DISABLE_TELEMETRY]: '1',
      },
      functionDefaults,
      // Memory from the measured peak and from CPU: the bundled read handler peaked at 634 MB RSS
      // on the artifact test's fixture photos (the whole CLI pipeline at 611 MB on the 37 real
      // specimen photos), so 1769 MB leaves 2.8× headroom, and it is exactly one vCPU (Lambda
      // CPU grows with memory): the readers run single-threaded, so more memory would not be
      // faster, only dearer; less would be slower in proportion. Timeout: up to 2 cards plus
      // model load and session creation on a cold start.
      defaults: { memorySize: READ_MEMORY_MB, timeout: Duration.seconds(90), batchSize: 2 },
    });

    // The one explicit hop: preprocess sends `read {id}` to the read queue.
    this.read.grantSendMessages(this.preprocess.function);
    this.preprocess.addEnvironment(ENV.readQueueUrl, this.read.queue.queueUrl);
    // The only bucket notification: new photos under uploads/.
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new QueueNotification(this.preprocess.queue), {
      prefix: UPLOADS_PREFIX,
    });

    // Object reads under one prefix only. Not grantRead(): it adds s3:GetBucket* and every s3:List*
    // on the bucket. ListBucket stays (no other bucket action): S3 answers a missing key with 404
    // only to a caller that may list the bucket, 403 otherwise, and the stages tell "the photo is
    // gone" (final) from a fault (retried) by that answer. It is not narrowed by an s3:prefix
    // condition because that key exists only on list requests, and whether S3's 404 check honours
    // it could not be verified off AWS.
    const readObjects = (fn: lambda.IFunction, prefix: string) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${prefix}*`)] }));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
      this.bucket.encryptionKey?.grantDecrypt(fn);
    };
    // preprocess: read + delete the upload, write processed/.
    const pre = this.preprocess.function;
    readObjects(pre, UPLOADS_PREFIX);
    this.bucket.grantDelete(pre, `${UPLOADS_PREFIX}*`);
    this.bucket.grantPut(pre, `${PROCESSED_PREFIX}*`);
    // read: read processed/, delete both images; it never writes to the bucket.
    const read = this.read.function;
    readObjects(read, PROCESSED_PREFIX);
    this.bucket.grantDelete(read, `${UPLOADS_PREFIX}*`);
    this.bucket.grantDelete(read, `${PROCESSED_PREFIX}*`);
    for (const fn of [pre, read]) {
      this.resultsTable.grant(fn, ...RESULTS_TABLE_ACTIONS.stage);
      this.idempotencyTable.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
    }

    // ---- API -----------------------------------------------------------------------------
    this.api = new ScanApi(this, 'Api', {
      ...props.api,
      environment: {
        ...commonEnv,
        [ENV.uploadExpiresSeconds]: String(props.api?.uploadExpires?.toSeconds() ?? 300),
        // API Gateway's JWT authorizer verifies callers; the app refuses requests without its claims.
        [ENV.apiAuth]: 'gateway',
        // The stage's throttling limits the rate; the app's in-memory limiter would be per instance.
        [ENV.rateLimitBurst]: '0',
        // The web page POSTs photos straight to the bucket (its CSP connect-src needs the origin).
        [ENV.uploadOrigins]: `https://${this.bucket.bucketRegionalDomainName}`,
        // Tenancy: members of this Cognito group see every user's scans.
        [ENV.adminGroup]: props.api?.adminGroup ?? DEFAULT_ADMIN_GROUP,
        // Per-user quotas on scan creation, counted in the results table (they bound the spend).
        [ENV.scanQuotaPerMinute]: String(props.api?.scanQuota?.perMinute ?? DEFAULT_SCAN_QUOTA.perMinute),
        [ENV.scanQuotaPerDay]: String(props.api?.scanQuota?.perDay ?? DEFAULT_SCAN_QUOTA.perDay),
      },
      functionDefaults,
      removalPolicy,
      logRetention: functionDefaults.logRetention,
    });
    // The web page is served by the API itself, so its origin may POST photos to the bucket too.
    this.storage.allowUploadsFrom([this.api.httpApi.apiEndpoint]);
    const api = this.api.function;
    // Sign presigned POSTs into uploads/ (the policy is checked against its role).
    this.bucket.grantPut(api, `${UPLOADS_PREFIX}*`);
    // DELETE /v1/scans/{id} lists `uploads/<id>*` and `processed/<id>*` to find every image of
    // a scan. No grant*() gives ListBucket without GetObject, so this one statement is written
    // by hand, limited to the two prefixes.
    api.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${UPLOADS_PREFIX}*`, `${PROCESSED_PREFIX}*`] } },
      }),
    );
    this.bucket.grantDelete(api, `${UPLOADS_PREFIX}*`);
    this.bucket.grantDelete(api, `${PROCESSED_PREFIX}*`);
    this.resultsTable.grant(api, ...RESULTS_TABLE_ACTIONS.api);
    // The scan quotas' counters: UpdateItem on the results table, only on the `quota#…` items
    // (a scan record can never be changed by the API function).
    api.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.resultsTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RESULT_TABLE.quotaPrefix}*`] } },
      }),
    );

    // ---- Result events -------------------------------------------------------------------
    if (props.resultEvents ?? true) {
      this.resultEvents = new ResultEvents(this, 'Results', {
        table: this.resultsTable,
        ...(props.onResult ? { eventBus: props.onResult } : {}),
      });
      this.resultBus = this.resultEvents.eventBus;
    } else if (props.onResult) {
      throw new Error('CardOcrPipeline: onResult needs resultEvents (leave it unset or true)');
    }

    // ---- Operations ----------------------------------------------------------------------
    const alarmSets = [this.preprocess.alarms, this.read.alarms, this.api.alarms, ...(this.resultEvents ? [this.resultEvents.alarms] : [])];
    this.alarms = alarmSets.flatMap((set) => set.all);
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const set of alarmSets) set.notify(action);
    }

    acknowledgePipelineFindings(this);
  }

  /**
   * Lets `grantee` read scan records (GetItem, BatchGetItem, Query on the table and its
   * indexes), e.g. a consumer of the result events. Records hold masked card fields only.
   */
  public grantReadResults(grantee: iam.IGrantable): iam.Grant {
    return this.resultsTable.grant(grantee, ...RESULTS_TABLE_ACTIONS.read);
  }

  /**
   * Lets `grantee` put photos under `uploads/` directly (a back-office importer, another
   * service), each starting a scan. Browser and app clients use the API's presigned POST instead.
   */
  public grantUpload(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantPut(grantee, `${UPLOADS_PREFIX}*`);
  }
}
