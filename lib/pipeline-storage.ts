/**
 * `PipelineStorage`: where photos and scan records live. The photo bucket and the results
 * table may be brought by the user; the idempotency table is always the pipeline's own.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, RESULT_TABLE } from '../functions/adapters/aws/result-table-schema.js';

/** Object key prefixes: the upload trigger and the preprocess output. Disjoint on purpose. */
export const UPLOADS_PREFIX = 'uploads/';
export const PROCESSED_PREFIX = 'processed/';

/** Storage settings of a {@link CardOcrPipeline}. */
export interface PipelineStorageProps {
  /**
   * Bring your own photo bucket. The pipeline then adds only an S3 → SQS notification for
   * `uploads/` and IAM grants; lifecycle rules (expire `uploads/` and `processed/` after a
   * day), CORS for browser uploads, TLS enforcement and access logging are yours to set.
   * @default - a new private, encrypted, TLS-only bucket with access logs and one-day expiry
   */
  readonly bucket?: s3.IBucket;
  /**
   * Bring your own results table. It must have the schema of
   * `functions/adapters/aws/result-table-schema.ts` (partition key `id`, the three GSIs,
   * TTL on `expiresAt`) and, for result events, a stream with new and old images
   * (`tableStreamArn` set on an imported table).
   * @default - a new on-demand table with PITR, TTL and a NEW_AND_OLD_IMAGES stream
   */
  readonly resultsTable?: dynamodb.ITable;
  /**
   * Days the server access logs of a created bucket are kept.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Browser origins allowed to POST uploads to a created bucket (CORS).
   * @default - none (set by the pipeline from its API settings)
   */
  readonly uploadOrigins?: readonly string[];
  /**
   * Removal policy of the created buckets and results table. With `DESTROY` the buckets are
   * emptied on delete too.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Photo bucket, results table and the stages' idempotency table. */
export class PipelineStorage extends Construct {
  /** Photos (`uploads/`) and normalised cards (`processed/`), both transient. */
  public readonly bucket: s3.IBucket;
  /** Server access logs of `bucket`; undefined when the bucket was brought by the user. */
  public readonly accessLogBucket?: s3.IBucket;
  /** Scan records. */
  public readonly resultsTable: dynamodb.ITable;
  /** Powertools idempotency records of the two stages. */
  public readonly idempotencyTable: dynamodb.ITable;
  /** True when the bucket was created here (so its CORS, lifecycle and logging are ours). */
  public readonly ownsBucket: boolean;
  /** True when the results table was created here. */
  public readonly ownsResultsTable: boolean;

  constructor(scope: Construct, id: string, props: PipelineStorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    this.ownsBucket = props.bucket === undefined;
    this.ownsResultsTable = props.resultsTable === undefined;

    if (props.bucket) {
      this.bucket = props.bucket;
    } else {
      const accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        encryption: s3.BucketEncryption.S3_MANAGED,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
        removalPolicy,
        autoDeleteObjects: destroy,
      });
      this.accessLogBucket = accessLogBucket;
      // Versioning is off on purpose: photos are deleted once read (and expire after a day as a
      // backstop); with versioning a deleted card photo would linger as a noncurrent version.
      const origins = [...(props.uploadOrigins ?? [])];
      this.bucket = new s3.Bucket(this, 'UploadBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        encryption: s3.BucketEncryption.S3_MANAGED,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: false,
        serverAccessLogsBucket: accessLogBucket,
        serverAccessLogsPrefix: 'upload-bucket/',
        ...(origins.length > 0
          ? {
              cors: [
                // Browser uploads use the presigned POST returned by POST /v1/scans.
                { allowedMethods: [s3.HttpMethods.POST], allowedOrigins: origins, allowedHeaders: ['*'], maxAge: 3000 },
              ],
            }
          : {}),
        lifecycleRules: [
          { id: 'expire-uploads', prefix: UPLOADS_PREFIX, expiration: Duration.days(1) },
          { id: 'expire-processed', prefix: PROCESSED_PREFIX, expiration: Duration.days(1) },
          { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
        removalPolicy,
        autoDeleteObjects: destroy,
      });
    }

    if (props.resultsTable) {
      this.resultsTable = props.resultsTable;
    } else {
      const table = new dynamodb.Table(this, 'ResultsTable', {
        partitionKey: { name: RESULT_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: RESULT_TABLE.ttlAttribute,
        // Result events are read from the stream (status before and after each change).
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        deletionProtection: !destroy,
        removalPolicy,
      });
      for (const index of Object.values(RESULT_TABLE.indexes)) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      this.resultsTable = table;
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
  }

  /** Adds a CORS rule for browser POST uploads to a created bucket (no-op on a brought one). */
  public allowUploadsFrom(origins: readonly string[]): void {
    if (!this.ownsBucket || origins.length === 0) return;
    (this.bucket as s3.Bucket).addCorsRule({
      allowedMethods: [s3.HttpMethods.POST],
      allowedOrigins: [...origins],
      allowedHeaders: ['*'],
      maxAge: 3000,
    });
  }
}
