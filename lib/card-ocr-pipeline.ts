/**
 * `CardOcrPipeline`: the whole card-reading pipeline on AWS as one reusable construct.
 *
 * ```
 * S3 uploads/  ──ObjectCreated──▶ SQS preprocess (+DLQ) ──▶ λ preprocess ──writes──▶ S3 processed/
 * S3 processed/──ObjectCreated──▶ SQS read (+DLQ)       ──▶ λ read ──▶ DynamoDB results (+ deletes both images)
 * client ──HTTP API (JWT)──▶ λ api (Hono) ──▶ DynamoDB results, presigned POST to uploads/
 * ```
 *
 * No stage can trigger itself: the two notification rules have disjoint prefixes, the
 * preprocess function may only write under `processed/` and the read function may not write
 * to the bucket at all (it only reads and deletes).
 *
 * Construct ids below are part of the API: changing one replaces the resource on deploy.
 */
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDEMPOTENCY_TABLE, RESULT_TABLE } from '../functions/adapters/aws/result-table-schema.js';
import { bundlingFor, type PipelineFunctionKind } from './lambda-bundling.js';

/** Object key prefixes: the upload trigger and the preprocess output. Disjoint on purpose. */
export const UPLOADS_PREFIX = 'uploads/';
export const PROCESSED_PREFIX = 'processed/';

/** Lambda entry files, relative to the project root; each exports `handler`. */
export const HANDLER_ENTRIES: Readonly<Record<PipelineFunctionKind, string>> = Object.freeze({
  preprocess: 'functions/handlers/aws/preprocess-lambda.ts',
  read: 'functions/handlers/aws/read-lambda.ts',
  api: 'functions/handlers/aws/api-lambda.ts',
});

/** Timeouts per function; each SQS queue's visibility timeout is 6 × its consumer's timeout. */
export const FUNCTION_TIMEOUTS: Readonly<Record<PipelineFunctionKind, Duration>> = Object.freeze({
  // A batch of up to 5 photos, each with a 10 s decode budget, plus S3 and DynamoDB calls.
  preprocess: Duration.seconds(60),
  // OCR of up to 2 cards (a few seconds each at 2 GB) plus worker start-up on a cold start.
  read: Duration.seconds(90),
  // Behind API Gateway, whose integration timeout is 30 s; requests are small.
  api: Duration.seconds(10),
});

/** SQS batch sizes per stage (records per invocation). */
export const BATCH_SIZES = Object.freeze({ preprocess: 5, read: 2 });

/** Deliveries before a message moves to its dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/** GET routes served without the JWT authorizer. */
export const PUBLIC_ROUTES: readonly string[] = Object.freeze(['/healthz', '/openapi.json', '/', '/assets/{proxy+}']);

/**
 * Project root: the nearest directory above this module with a package-lock.json, so the
 * construct finds the handler sources whether it runs from lib/ (tsx) or from dist/lib/.
 */
const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package-lock.json'))) return `${dir}/`;
    if (dirname(dir) === dir) throw new Error(`CardOcrPipeline: no package-lock.json above ${from}`);
  }
}

export interface CardOcrPipelineProps {
  /**
   * CPU architecture of the three functions. sharp's native binary is installed for it.
   * @default lambda.Architecture.ARM_64 (about 20 % cheaper per GB-second than x86_64)
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Memory of the preprocess function, MB.
   * @default 1024
   */
  readonly preprocessMemorySize?: number;
  /**
   * Memory of the read (OCR) function, MB. Lambda CPU grows with memory; OCR is CPU-bound.
   * @default 2048
   */
  readonly readMemorySize?: number;
  /**
   * Memory of the API function, MB.
   * @default 512
   */
  readonly apiMemorySize?: number;
  /**
   * Maximum concurrent preprocess invocations driven by the uploads queue (2-1000).
   * Caps cost and downstream load without reserved concurrency (which would throttle
   * messages into the dead-letter queue early).
   * @default 5
   */
  readonly preprocessMaxConcurrency?: number;
  /**
   * Maximum concurrent read invocations driven by the processed queue (2-1000).
   * @default 5
   */
  readonly readMaxConcurrency?: number;
  /**
   * Days a scan record is kept before DynamoDB's TTL purges it (`expiresAt`).
   * @default 30
   */
  readonly recordRetentionDays?: number;
  /**
   * Retention of the functions' and the API's log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Days server access logs of the upload bucket are kept.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Browser origins allowed to call the API and to POST uploads to the bucket (CORS).
   * Use exact origins such as `https://cards.example.com`.
   * @default ['http://localhost:3000'] (the local runner's web page)
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Issuer URL of the JWT authorizer on `/v1` routes. Set together with `jwtAudience` to use
   * an existing identity provider; leave both unset to let the construct create a Cognito
   * user pool and app client.
   * @default - the issuer of the Cognito user pool created by this construct
   */
  readonly jwtIssuer?: string;
  /**
   * Accepted audiences (`aud` or `client_id` claim) of the JWT authorizer.
   * @default - the id of the Cognito app client created by this construct
   */
  readonly jwtAudience?: readonly string[];
  /**
   * Largest accepted photo, bytes: the presigned POST's `content-length-range` upper bound
   * and the reader's input limit.
   * @default 15 MiB
   */
  readonly maxUploadBytes?: number;
  /**
   * Lifetime of a presigned upload target, seconds.
   * @default 300
   */
  readonly uploadExpiresSeconds?: number;
  /**
   * Steady-state request rate limit of the API stage, requests per second.
   * @default 20
   */
  readonly apiRateLimit?: number;
  /**
   * Burst limit of the API stage, requests.
   * @default 40
   */
  readonly apiBurstLimit?: number;
  /**
   * Removal policy of the stateful resources (buckets, tables, user pool, log groups).
   * With `RemovalPolicy.DESTROY` the buckets are emptied on delete as well, so
   * `cdk destroy` leaves nothing behind.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * MFA of the Cognito user pool created when no `jwtIssuer` is given (TOTP apps only, no SMS).
   * @default cognito.Mfa.REQUIRED
   */
  readonly userPoolMfa?: cognito.Mfa;
  /**
   * Topic that receives every alarm's ALARM and OK notifications.
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Replaces the bundled handler code (unit tests only: lets the infrastructure synthesise
   * without esbuild or the handler sources). Functions then use `index.handler`.
   * @default - each handler is bundled from `HANDLER_ENTRIES` with esbuild
   */
  readonly codeOverride?: Partial<Record<PipelineFunctionKind, lambda.Code>>;
}

/** One SQS-driven stage: its queue, dead-letter queue and consumer. */
export interface PipelineStage {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: lambda.Function;
}

/** The card-reading pipeline: storage, two SQS-driven stages, the HTTP API and alarms. */
export class CardOcrPipeline extends Construct {
  /** Photos (`uploads/`) and normalised cards (`processed/`), both transient. */
  public readonly bucket: s3.Bucket;
  /** Server access logs of `bucket`. */
  public readonly accessLogBucket: s3.Bucket;
  /** Scan records. */
  public readonly table: dynamodb.Table;
  /** Powertools idempotency records of the two stages. */
  public readonly idempotencyTable: dynamodb.Table;
  public readonly preprocess: PipelineStage;
  public readonly read: PipelineStage;
  public readonly apiFunction: lambda.Function;
  public readonly httpApi: apigw.HttpApi;
  public readonly apiStage: apigw.HttpStage;
  /** The user pool behind the default JWT authorizer; undefined with `jwtIssuer`. */
  public readonly userPool?: cognito.UserPool;
  public readonly userPoolClient?: cognito.UserPoolClient;
  /** Every alarm the construct creates. */
  public readonly alarms: cloudwatch.Alarm[] = [];

  private readonly architecture: lambda.Architecture;
  private readonly logRetention: logs.RetentionDays;
  private readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: CardOcrPipelineProps = {}) {
    super(scope, id);
    validateProps(props);
    this.architecture = props.architecture ?? lambda.Architecture.ARM_64;
    this.logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const destroy = this.removalPolicy === RemovalPolicy.DESTROY;
    const allowedOrigins = [...(props.allowedOrigins ?? ['http://localhost:3000'])];
    const maxUploadBytes = props.maxUploadBytes ?? 15 * 1024 * 1024;

    // ---- Storage -------------------------------------------------------------------------
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
      removalPolicy: this.removalPolicy,
      autoDeleteObjects: destroy,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the upload bucket; logging it to itself would loop.',
    });

    // Versioning is off on purpose: photos are deleted once read (and expire after a day as a
    // backstop); with versioning a deleted card photo would linger as a noncurrent version.
    this.bucket = new s3.Bucket(this, 'UploadBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'upload-bucket/',
      cors: [
        {
          // Browser uploads use the presigned POST returned by POST /v1/scans.
          allowedMethods: [s3.HttpMethods.POST],
          allowedOrigins,
          allowedHeaders: ['*'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'expire-uploads', prefix: UPLOADS_PREFIX, expiration: Duration.days(1) },
        { id: 'expire-processed', prefix: PROCESSED_PREFIX, expiration: Duration.days(1) },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: this.removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.table = new dynamodb.Table(this, 'ResultsTable', {
      partitionKey: { name: RESULT_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: RESULT_TABLE.ttlAttribute,
      removalPolicy: this.removalPolicy,
    });
    for (const index of Object.values(RESULT_TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
      // Short-lived dedupe markers (hours): nothing worth restoring, so the table is always
      // destroyed with the stack and point-in-time recovery would only cost money.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.idempotencyTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'Holds only short-lived idempotency markers that expire within hours; there is nothing to restore.',
    });

    // ---- Functions -----------------------------------------------------------------------
    const commonEnv: Record<string, string> = {
      BUCKET_NAME: this.bucket.bucketName,
      TABLE_NAME: this.table.tableName,
      CARDOCR_RETENTION_DAYS: String(props.recordRetentionDays ?? 30),
      CARDOCR_MAX_INPUT_BYTES: String(maxUploadBytes),
      POWERTOOLS_SERVICE_NAME: 'card-ocr',
      POWERTOOLS_METRICS_NAMESPACE: 'CardOcr',
      // Stack traces point into the TypeScript sources through the bundled source maps.
      NODE_OPTIONS: '--enable-source-maps',
    };
    const stageEnv = {
      ...commonEnv,
      CARDOCR_IDEMPOTENCY_TABLE: this.idempotencyTable.tableName,
      // The handlers record a scan `dead_lettered` on its message's last delivery.
      CARDOCR_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    };

    const preprocessFn = this.pipelineFunction('PreprocessFunction', 'preprocess', {
      description: 'Card OCR: decode, find and normalise the card in an uploaded photo',
      memorySize: props.preprocessMemorySize ?? 1024,
      environment: stageEnv,
      codeOverride: props.codeOverride?.preprocess,
    });
    const readFn = this.pipelineFunction('ReadFunction', 'read', {
      description: 'Card OCR: read the normalised card, store masked fields, delete the images',
      memorySize: props.readMemorySize ?? 2048,
      environment: { ...stageEnv, CARDOCR_OCR_WORKERS: '1' },
      codeOverride: props.codeOverride?.read,
    });
    this.apiFunction = this.pipelineFunction('ApiFunction', 'api', {
      description: 'Card OCR: results API (Hono) behind API Gateway',
      memorySize: props.apiMemorySize ?? 512,
      environment: {
        ...commonEnv,
        CARDOCR_UPLOAD_EXPIRES_SECONDS: String(props.uploadExpiresSeconds ?? 300),
        // API Gateway's JWT authorizer verifies callers; the app refuses requests without its claims.
        CARDOCR_API_AUTH: 'gateway',
        // The stage's throttling limits the rate; the app's in-memory limiter would be per instance.
        CARDOCR_RATE_LIMIT_BURST: '0',
        // The web page POSTs photos straight to the bucket (its CSP connect-src needs the origin).
        CARDOCR_UPLOAD_ORIGINS: `https://${this.bucket.bucketRegionalDomainName}`,
      },
      codeOverride: props.codeOverride?.api,
    });

    // ---- Flow: S3 → SQS → Lambda, twice --------------------------------------------------
    this.preprocess = this.stage('Preprocess', preprocessFn, {
      prefix: UPLOADS_PREFIX,
      batchSize: BATCH_SIZES.preprocess,
      maxConcurrency: props.preprocessMaxConcurrency ?? 5,
    });
    this.read = this.stage('Read', readFn, {
      prefix: PROCESSED_PREFIX,
      batchSize: BATCH_SIZES.read,
      maxConcurrency: props.readMaxConcurrency ?? 5,
    });

    // Least privilege through grants. preprocess: read + delete the upload, write processed/.
    this.bucket.grantRead(preprocessFn, `${UPLOADS_PREFIX}*`);
    this.bucket.grantDelete(preprocessFn, `${UPLOADS_PREFIX}*`);
    this.bucket.grantPut(preprocessFn, `${PROCESSED_PREFIX}*`);
    // read: read processed/, delete both images; it never writes to the bucket.
    this.bucket.grantRead(readFn, `${PROCESSED_PREFIX}*`);
    this.bucket.grantDelete(readFn, `${UPLOADS_PREFIX}*`);
    this.bucket.grantDelete(readFn, `${PROCESSED_PREFIX}*`);
    // api: sign presigned POSTs into uploads/ (the policy is checked against its role) and
    // delete both images when a scan is deleted.
    this.bucket.grantPut(this.apiFunction, `${UPLOADS_PREFIX}*`);
    // DELETE /v1/scans/{id} lists `uploads/<id>*` and `processed/<id>*` to find every image of
    // a scan. No grant*() gives ListBucket without GetObject, so this one statement is written
    // by hand, limited to the two prefixes.
    this.apiFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${UPLOADS_PREFIX}*`, `${PROCESSED_PREFIX}*`] } },
      }),
    );
    this.bucket.grantDelete(this.apiFunction, `${UPLOADS_PREFIX}*`);
    this.bucket.grantDelete(this.apiFunction, `${PROCESSED_PREFIX}*`);
    for (const fn of [preprocessFn, readFn, this.apiFunction]) this.table.grantReadWriteData(fn);
    for (const fn of [preprocessFn, readFn]) this.idempotencyTable.grantReadWriteData(fn);

    // ---- API -----------------------------------------------------------------------------
    let issuer: string;
    let audience: string[];
    if (props.jwtIssuer !== undefined && props.jwtAudience !== undefined) {
      issuer = props.jwtIssuer;
      audience = [...props.jwtAudience];
    } else {
      const { userPool, client } = this.createUserPool(props);
      this.userPool = userPool;
      this.userPoolClient = client;
      issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
      audience = [client.userPoolClientId];
    }
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', issuer, { jwtAudience: audience });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Card OCR results API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: allowedOrigins,
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    const apiLogGroup = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    this.apiStage = new apigw.HttpStage(this, 'ApiStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.apiRateLimit ?? 20, burstLimit: props.apiBurstLimit ?? 40 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(apiLogGroup),
        // Structured JSON; no query strings or bodies, so no card data can reach the logs.
        format: accessLogFormat(),
      },
    });
    // The web page is served by the API itself, so its origin may POST photos to the bucket too.
    this.bucket.addCorsRule({
      allowedMethods: [s3.HttpMethods.POST],
      allowedOrigins: [this.httpApi.apiEndpoint],
      allowedHeaders: ['*'],
      maxAge: 3000,
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction);
    // Every /v1 route needs a valid JWT; OPTIONS is left to API Gateway's CORS preflight.
    this.httpApi.addRoutes({
      path: '/v1/{proxy+}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.DELETE],
      integration,
      authorizer,
    });
    // Public by design, no data behind them: health, the API description and the web page
    // (static HTML/JS/CSS; the page asks for a token and calls /v1 with it).
    for (const path of PUBLIC_ROUTES) this.httpApi.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration });

    // ---- Operations ----------------------------------------------------------------------
    for (const [name, stage] of [
      ['Preprocess', this.preprocess],
      ['Read', this.read],
    ] as const) {
      this.alarm(`${name}DlqDepthAlarm`, {
        metric: stage.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        description: `Messages in the ${name.toLowerCase()} dead-letter queue: photos that failed ${MAX_RECEIVE_COUNT} times.`,
      });
      this.alarm(`${name}OldestMessageAlarm`, {
        metric: stage.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5) }),
        threshold: 15 * 60,
        description: `The ${name.toLowerCase()} queue's oldest message is over 15 minutes old: the stage is stuck or too slow.`,
      });
    }
    for (const [name, fn] of [
      ['Preprocess', preprocessFn],
      ['Read', readFn],
      ['Api', this.apiFunction],
    ] as const) {
      this.alarm(`${name}ErrorsAlarm`, {
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        description: `The ${name.toLowerCase()} function failed (uncaught error or timeout).`,
      });
    }
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    this.acknowledgeFindings();
  }

  /** A Lambda function with the pipeline's defaults: Node 22, JSON logs, own log group, X-Ray. */
  private pipelineFunction(
    id: string,
    kind: PipelineFunctionKind,
    options: {
      description: string;
      memorySize: number;
      environment: Record<string, string>;
      codeOverride: lambda.Code | undefined;
    },
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    const common = {
      description: options.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: this.architecture,
      memorySize: options.memorySize,
      timeout: FUNCTION_TIMEOUTS[kind],
      environment: options.environment,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
    };
    if (options.codeOverride) {
      return new lambda.Function(this, id, { ...common, code: options.codeOverride, handler: 'index.handler' });
    }
    return new NodejsFunction(this, id, {
      ...common,
      entry: `${PROJECT_ROOT}${HANDLER_ENTRIES[kind]}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      bundling: bundlingFor(this.architecture, kind),
    });
  }

  /** Queue + DLQ for one prefix, the S3 notification into it and its Lambda consumer. */
  private stage(
    id: string,
    fn: lambda.Function,
    options: { prefix: string; batchSize: number; maxConcurrency: number },
  ): PipelineStage {
    const deadLetterQueue = new sqs.Queue(this, `${id}DeadLetterQueue`, {
      // SQS-managed keys: S3 cannot publish to a queue encrypted with the AWS-managed KMS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue.',
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself a dead-letter queue.',
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for Lambda consumers: at least 6 × the function timeout.
      visibilityTimeout: Duration.seconds(6 * (fn.timeout ?? Duration.seconds(3)).toSeconds()),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new SqsDestination(queue), {
      prefix: options.prefix,
    });
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    return { queue, deadLetterQueue, function: fn };
  }

  private alarm(id: string, options: { metric: cloudwatch.IMetric; threshold: number; description: string }): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        metric: options.metric,
        threshold: options.threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: options.description,
      }),
    );
  }

  /** The default identity provider: an invite-only Cognito user pool and a public app client. */
  private createUserPool(props: CardOcrPipelineProps): { userPool: cognito.UserPool; client: cognito.UserPoolClient } {
    const mfa = props.userPoolMfa ?? cognito.Mfa.REQUIRED;
    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Users are invited by an administrator; nobody can sign up to a card-reading API.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      removalPolicy: this.removalPolicy,
    });
    const client = userPool.addClient('ApiClient', {
      // Public client (CLI, browser): no secret; SRP and password auth for `aws cognito-idp`.
      generateSecret: false,
      // Tokens come from the Cognito API (InitiateAuth); no hosted UI, no OAuth redirects.
      disableOAuth: true,
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    if (mfa !== cognito.Mfa.REQUIRED) {
      Validations.of(userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: 'MFA was made optional through the userPoolMfa prop by the deployer.',
      });
    }
    return { userPool, client };
  }

  /**
   * cdk-nag findings accepted by design, each with its reason. Each is acknowledged on the
   * narrowest construct it applies to, and IAM wildcard findings one by one (cdk-nag v3
   * `RuleId[finding]` ids), so a new wildcard added later is still reported.
   */
  private acknowledgeFindings(): void {
    const stack = Stack.of(this);
    const arnOf = (resource: Construct): string =>
      `<${stack.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
    const bucketArn = arnOf(this.bucket);
    const tableArn = arnOf(this.table);
    const ack = (scope: Construct, id: string, reason: string): void => Validations.of(scope).acknowledge({ id, reason });

    const grantsReason =
      'Wildcards come from CDK grant*() methods: object actions (s3:GetObject*, s3:DeleteObject*, s3:Abort*...) ' +
      'limited to one prefix of the pipeline bucket, and Query on the results table indexes.';
    const wildcardFindings: Record<PipelineFunctionKind, string[]> = {
      preprocess: [
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        `Resource::${bucketArn}/${UPLOADS_PREFIX}*`,
        `Resource::${bucketArn}/${PROCESSED_PREFIX}*`,
        `Resource::${tableArn}/index/*`,
      ],
      read: [
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        `Resource::${bucketArn}/${UPLOADS_PREFIX}*`,
        `Resource::${bucketArn}/${PROCESSED_PREFIX}*`,
        `Resource::${tableArn}/index/*`,
      ],
      api: [
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        `Resource::${bucketArn}/${UPLOADS_PREFIX}*`,
        `Resource::${bucketArn}/${PROCESSED_PREFIX}*`,
        `Resource::${tableArn}/index/*`,
      ],
    };
    for (const [kind, fn] of [
      ['preprocess', this.preprocess.function],
      ['read', this.read.function],
      ['api', this.apiFunction],
    ] as const) {
      const role = fn.role as Construct;
      const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
      for (const finding of wildcardFindings[kind]) ack(policy, `AwsSolutions-IAM5[${finding}]`, grantsReason);
      ack(
        policy,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
      );
      ack(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The AWS-managed basic execution policy only allows writing the function\'s own CloudWatch logs.',
      );
      const runtimeReason =
        'Node.js 22 (nodejs22.x) is the runtime the handlers are bundled (target node22) and tested for; ' +
        'moving to a newer runtime is a deliberate, tested upgrade.';
      ack(fn, 'AwsSolutions-L1', runtimeReason);
      ack(fn, 'Serverless-LambdaLatestVersion', runtimeReason);
      ack(
        fn,
        'Serverless-LambdaDLQ',
        'Never invoked asynchronously: the stages are polled from SQS (whose queues have dead-letter queues) ' +
          'and the API function is invoked synchronously by API Gateway.',
      );
    }
    for (const stage of [this.preprocess, this.read]) {
      for (const child of stage.function.node.children) {
        if (child.node.id.startsWith('SqsEventSource:')) {
          ack(
            child,
            'Serverless-LambdaEventSourceMappingDestination',
            'SQS event source mappings do not support on-failure destinations; failed messages go to the ' +
              "queue's dead-letter queue after maxReceiveCount deliveries.",
          );
        }
      }
    }

    // The stack-wide singleton CDK adds for S3 bucket notifications (custom resource).
    const notificationsHandler = stack.node
      .findAll()
      .find((c) => c.node.id.startsWith('BucketNotificationsHandler') && c.node.scope === stack);
    if (notificationsHandler) {
      ack(
        notificationsHandler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK-managed custom resource that configures the bucket notifications at deploy time; ' +
          'the managed policy only allows writing its own logs.',
      );
    }

    for (const route of this.httpApi.node.children) {
      if (route instanceof apigw.HttpRoute && route.path !== undefined && PUBLIC_ROUTES.includes(route.path)) {
        ack(
          route,
          'AwsSolutions-APIG4',
          'Public by design: health check, API description and the static web page; no data behind them.',
        );
      }
    }

    if (this.userPool) {
      ack(
        this.userPool,
        'AwsSolutions-COG8',
        'The Plus feature plan (threat protection) is billed per monthly active user; the invite-only pool with ' +
          'required MFA and a strong password policy keeps the idle cost at zero. Upgrade the plan if needed.',
      );
    }
  }
}

/** Structured JSON access-log format for the API stage (no query string, no body). */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      httpMethod: '$context.httpMethod',
      routeKey: '$context.routeKey',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
      authorizerError: '$context.authorizer.error',
    }),
  );
}

function validateProps(props: CardOcrPipelineProps): void {
  if ((props.jwtIssuer === undefined) !== (props.jwtAudience === undefined)) {
    throw new Error('CardOcrPipeline: set jwtIssuer and jwtAudience together (or neither for a Cognito user pool)');
  }
  if (props.jwtAudience !== undefined && props.jwtAudience.length === 0) {
    throw new Error('CardOcrPipeline: jwtAudience must list at least one audience');
  }
  for (const [name, value] of [
    ['preprocessMaxConcurrency', props.preprocessMaxConcurrency],
    ['readMaxConcurrency', props.readMaxConcurrency],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 2 || value > 1000)) {
      throw new Error(`CardOcrPipeline: ${name} must be an integer from 2 to 1000 (SQS event source limit)`);
    }
  }
  if (props.allowedOrigins?.some((o) => o === '*')) {
    throw new Error("CardOcrPipeline: list exact allowedOrigins; '*' is not accepted");
  }
}
