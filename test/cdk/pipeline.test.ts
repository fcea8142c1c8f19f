/**
 * Assertion tests of the CDK stack: every resource and wiring of the pipeline, read from the
 * synthesised template. Bundling is stubbed (see synth-helpers.ts); the default stack is
 * synthesised once for the whole file, the customised one once for its block.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IDEMPOTENCY_TABLE, RESULT_TABLE } from '../../functions/adapters/aws/result-table-schema.js';
import { CardOcrPipeline } from '../../lib/card-ocr-pipeline.js';
import { CardOcrStack } from '../../lib/card-ocr-stack.js';
import { RESULT_EVENT_DETAIL_TYPE, RESULT_EVENT_SOURCE } from '../../lib/result-events.js';
import { ENV, POWERTOOLS_ENV } from '../../functions/core/env-names.js';
import { configDefaults } from '../../functions/core/config.js';
import { LAMBDA_MODEL_DIR, MODEL_DIR_IN_ASSET } from '../../lib/lambda-bundling.js';
import { testApp, synthStack } from './synth-helpers.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ template } = synthStack());
  resources = template.toJSON().Resources as Record<string, Resource>;
});

/** Logical ids of the resources of one type whose id starts with `prefix`. */
function idsOf(type: string, prefix = ''): string[] {
  return Object.entries(resources)
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
}
function only(type: string, prefix: string): string {
  const ids = idsOf(type, prefix);
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0]!;
}
const fnId = (name: 'Preprocess' | 'Read' | 'Api') => only('AWS::Lambda::Function', `Pipeline${name}Function`);
const queueId = (name: 'Preprocess' | 'Read') => only('AWS::SQS::Queue', `Pipeline${name}Queue`);
const dlqId = (name: 'Preprocess' | 'Read') => only('AWS::SQS::Queue', `Pipeline${name}DeadLetterQueue`);
const bucketId = () => only('AWS::S3::Bucket', 'PipelineStorageUploadBucket');
const tableId = () => only('AWS::DynamoDB::Table', 'PipelineStorageResultsTable');
const idempotencyId = () => only('AWS::DynamoDB::Table', 'PipelineStorageIdempotencyTable');

/** All Allow statements of the default policy attached to a function's role. */
function allowStatements(fn: 'Preprocess' | 'Read' | 'Api'): Statement[] {
  const roleRef = resources[fnId(fn)]!.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === roleRef))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** Object-ARN suffixes (`/uploads/*`...) a role may call `action` on, within the upload bucket. */
function bucketPrefixesFor(fn: 'Preprocess' | 'Read' | 'Api', action: string): string[] {
  const bucket = bucketId();
  return allowStatements(fn)
    .filter((s) => asList(s.Action).some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1)))))
    .flatMap((s) => asList(s.Resource))
    .flatMap((r) => {
      const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (!join) return [];
      const [first, suffix] = join[1] as [{ 'Fn::GetAtt'?: string[] }, string];
      return first['Fn::GetAtt']?.[0] === bucket ? [suffix] : [];
    })
    .sort();
}

describe('storage', () => {
  it('upload bucket: public access blocked, S3-managed encryption, access logs, no versioning', () => {
    const bucket = resources[bucketId()]!.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: only('AWS::S3::Bucket', 'PipelineStorageAccessLogBucket') });
    // Deleted card photos must not survive as noncurrent versions.
    expect(bucket.VersioningConfiguration).toBeUndefined();
  });

  it('upload bucket: uploads/ and processed/ expire after one day; CORS allows browser POST uploads from the API origin only', () => {
    const bucket = resources[bucketId()]!.Properties;
    const rules = bucket.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'processed/', ExpirationInDays: 1, Status: 'Enabled' }),
      ]),
    );
    // Only the web page served by the API posts photos to the bucket: no localhost, no other origin by default.
    expect(bucket.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({
        AllowedMethods: ['POST'],
        AllowedOrigins: [{ 'Fn::GetAtt': [only('AWS::ApiGatewayV2::Api', 'PipelineApiHttpApi'), 'ApiEndpoint'] }],
      }),
    ]);
  });

  it('both buckets deny requests without TLS; the log bucket is private, encrypted and expires logs', () => {
    const policies = idsOf('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(2);
    for (const id of policies) {
      expect(resources[id]!.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      BucketEncryption: Match.anyValue(),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] },
      LoggingConfiguration: Match.absent(),
    });
  });

  it('results table: on demand, PITR, encryption, TTL expiresAt, the four GSIs of the adapter schema', () => {
    const table = resources[tableId()]!.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: RESULT_TABLE.partitionKey, KeyType: 'HASH' }]);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    const indexes = (table.GlobalSecondaryIndexes as Array<Record<string, any>>).map((i) => ({
      name: i.IndexName,
      keys: i.KeySchema.map((k: { AttributeName: string }) => k.AttributeName),
      projection: i.Projection.ProjectionType,
    }));
    expect(indexes).toEqual(
      Object.values(RESULT_TABLE.indexes).map((i) => ({ name: i.name, keys: [i.partitionKey, i.sortKey], projection: 'ALL' })),
    );
    // by-owner: a user's own list (tenancy) is read from the owner's partition.
    expect(indexes.map((i) => i.name).sort()).toEqual(['by-created', 'by-key', 'by-owner', 'by-status']);
  });

  it('idempotency table: id partition key and Powertools TTL attribute `expiration`', () => {
    const table = resources[idempotencyId()]!.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(IDEMPOTENCY_TABLE.partitionKey).toBe('id');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('stateful resources are retained by default', () => {
    for (const id of [bucketId(), tableId(), only('AWS::Cognito::UserPool', 'Pipeline')]) {
      expect(resources[id]!.DeletionPolicy, id).toBe('Retain');
    }
    // and cannot be deleted by accident either.
    expect(resources[tableId()]!.Properties.DeletionProtectionEnabled).toBe(true);
    expect(resources[only('AWS::Cognito::UserPool', 'Pipeline')]!.Properties.DeletionProtection).toBe('ACTIVE');
  });
});

describe('flow: S3 uploads/ → SQS → preprocess → one message → SQS → read', () => {
  it('five queues (two stages + DLQs, the result events DLQ), all SQS-managed encryption (no KMS key: S3 could not deliver) and TLS only', () => {
    expect(idsOf('AWS::SQS::Queue')).toHaveLength(5);
    for (const id of idsOf('AWS::SQS::Queue')) {
      expect(resources[id]!.Properties.SqsManagedSseEnabled, id).toBe(true);
      expect(resources[id]!.Properties.KmsMasterKeyId, id).toBeUndefined();
    }
    const policies = idsOf('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(5);
    for (const id of policies) {
      expect(resources[id]!.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    }
  });

  it.each(['Preprocess', 'Read'] as const)('%s queue: DLQ after ≥ 3 receives, visibility ≥ 6 × function timeout', (stage) => {
    const queue = resources[queueId(stage)]!.Properties;
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [dlqId(stage), 'Arn'] });
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(3);
    const timeout = resources[fnId(stage)]!.Properties.Timeout as number;
    expect(timeout).toBeGreaterThan(3);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(resources[dlqId(stage)]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    // The handler learns the count its last delivery is judged by.
    expect(resources[fnId(stage)]!.Properties.Environment.Variables.CARDOCR_MAX_RECEIVE_COUNT).toBe(
      String(queue.RedrivePolicy.maxReceiveCount),
    );
  });

  it('one bucket notification: uploads/ → preprocess queue; none on processed/ (the read stage is sent a message)', () => {
    const notifications = idsOf('Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    const config = resources[notifications[0]!]!.Properties;
    expect(config.BucketName).toEqual({ Ref: bucketId() });
    const rules = (config.NotificationConfiguration.QueueConfigurations as Array<Record<string, any>>).map((q) => ({
      events: q.Events,
      filters: q.Filter.Key.FilterRules,
      queue: q.QueueArn['Fn::GetAtt'][0],
    }));
    expect(rules).toEqual([
      { events: ['s3:ObjectCreated:*'], filters: [{ Name: 'prefix', Value: 'uploads/' }], queue: queueId('Preprocess') },
    ]);
    expect(JSON.stringify(config)).not.toContain('processed/');
    expect(config.NotificationConfiguration.LambdaFunctionConfigurations).toBeUndefined();
    expect(config.NotificationConfiguration.TopicConfigurations).toBeUndefined();
  });

  it('preprocess queue policy lets only this bucket of this account (s3.amazonaws.com) send', () => {
    const policyId = only('AWS::SQS::QueuePolicy', 'PipelinePreprocessQueuePolicy');
    const statements = resources[policyId]!.Properties.PolicyDocument.Statement as Statement[];
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId(), 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
        Resource: { 'Fn::GetAtt': [queueId('Preprocess'), 'Arn'] },
      },
    ]);
    // Nobody outside the account may send to the read queue (only the preprocess role, through IAM).
    const readPolicy = resources[only('AWS::SQS::QueuePolicy', 'PipelineReadQueuePolicy')]!.Properties.PolicyDocument;
    expect((readPolicy.Statement as Statement[]).filter((s) => s.Effect === 'Allow')).toEqual([]);
  });

  it('the explicit hop: preprocess may send to the read queue, knows its URL, and nothing else sends there', () => {
    const sendsTo = (fn: 'Preprocess' | 'Read' | 'Api') =>
      allowStatements(fn)
        .filter((s) => asList(s.Action).includes('sqs:SendMessage'))
        .flatMap((s) => asList(s.Resource));
    expect(sendsTo('Preprocess')).toEqual([{ 'Fn::GetAtt': [queueId('Read'), 'Arn'] }]);
    expect(sendsTo('Read')).toEqual([]);
    expect(sendsTo('Api')).toEqual([]);
    expect(resources[fnId('Preprocess')]!.Properties.Environment.Variables[ENV.readQueueUrl]).toEqual({ Ref: queueId('Read') });
    expect(resources[fnId('Read')]!.Properties.Environment.Variables[ENV.readQueueUrl]).toBeUndefined();
  });

  it.each([
    ['Preprocess', 5, 5],
    ['Read', 2, 5],
  ] as const)('%s event source: batch %i, partial batch failures, maximum concurrency %i', (stage, batch, concurrency) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId(stage), 'Arn'] },
      FunctionName: { Ref: fnId(stage) },
      BatchSize: batch,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: concurrency },
    });
    expect(idsOf('AWS::Lambda::EventSourceMapping')).toHaveLength(2);
    // Concurrency is capped by the event source, not by reserved concurrency.
    expect(resources[fnId(stage)]!.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('no stage can trigger itself: preprocess writes only processed/, read writes nothing, api writes only uploads/', () => {
    expect(bucketPrefixesFor('Preprocess', 's3:PutObject')).toEqual(['/processed/*']);
    expect(bucketPrefixesFor('Read', 's3:PutObject')).toEqual([]);
    expect(bucketPrefixesFor('Api', 's3:PutObject')).toEqual(['/uploads/*']);
    // What each one may read and delete.
    expect(bucketPrefixesFor('Preprocess', 's3:GetObject')).toEqual(['/uploads/*']);
    expect(bucketPrefixesFor('Read', 's3:GetObject')).toEqual(['/processed/*']);
    expect(bucketPrefixesFor('Api', 's3:GetObject')).toEqual([]);
    expect(bucketPrefixesFor('Preprocess', 's3:DeleteObject')).toEqual(['/uploads/*']);
    expect(bucketPrefixesFor('Read', 's3:DeleteObject')).toEqual(['/processed/*', '/uploads/*']);
    expect(bucketPrefixesFor('Api', 's3:DeleteObject')).toEqual(['/processed/*', '/uploads/*']);
    // The API lists only the two prefixes (to find every image of a deleted scan).
    const apiList = allowStatements('Api').filter((s) => asList(s.Action).some((a) => a.startsWith('s3:List')));
    expect(apiList).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId(), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['uploads/*', 'processed/*'] } },
      },
    ]);
  });

  it('stages read objects under their own prefix only: s3:GetObject there, ListBucket (for honest 404s) and no other bucket action', () => {
    const s3Actions = (fn: 'Preprocess' | 'Read') =>
      allowStatements(fn)
        .filter((st) => asList(st.Action).some((a) => a.startsWith('s3:')))
        .map((st) => [asList(st.Action).sort().join(','), JSON.stringify(st.Resource)] as const);
    for (const [fn, prefix] of [['Preprocess', 'uploads/'], ['Read', 'processed/']] as const) {
      const statements = s3Actions(fn);
      const actions = statements.flatMap(([a]) => a.split(','));
      expect(actions.filter((a) => /^s3:(GetBucket|List)/.test(a)), fn).toEqual(['s3:ListBucket']);
      expect(actions.filter((a) => a.startsWith('s3:GetObject')), fn).toEqual(['s3:GetObject']);
      const get = statements.find(([a]) => a.split(',').includes('s3:GetObject'))!;
      expect(get[1], fn).toContain(`/${prefix}*`);
    }
  });

  it('each stage consumes only its own queue', () => {
    for (const [stage, other] of [
      ['Preprocess', 'Read'],
      ['Read', 'Preprocess'],
    ] as const) {
      const sqsResources = allowStatements(stage)
        .filter((s) => asList(s.Action).includes('sqs:ReceiveMessage'))
        .flatMap((s) => asList(s.Resource));
      expect(sqsResources).toEqual([{ 'Fn::GetAtt': [queueId(stage), 'Arn'] }]);
      // The only other queue a stage touches: preprocess may send (not receive) to the read queue.
      const onOther = allowStatements(stage).filter((s) => JSON.stringify(s.Resource).includes(queueId(other)));
      expect(onOther.flatMap((s) => asList(s.Action)).sort()).toEqual(
        stage === 'Preprocess' ? ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'] : [],
      );
    }
    expect(JSON.stringify(allowStatements('Api'))).not.toContain('sqs:');
  });
});

describe('functions', () => {
  it.each([
    ['Preprocess', 1024, 90],
    ['Read', 1769, 90],
    ['Api', 512, 10],
  ] as const)('%s: nodejs22.x on arm64, %i MB, %i s, no X-Ray by default, JSON logs in its own log group', (name, memory, timeout) => {
    const fn = resources[fnId(name)]!.Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.MemorySize).toBe(memory);
    expect(fn.Timeout).toBe(timeout);
    expect(fn.TracingConfig).toBeUndefined();
    expect(fn.LoggingConfig.LogFormat).toBe('JSON');
    const logGroup = fn.LoggingConfig.LogGroup.Ref as string;
    expect(resources[logGroup]!.Properties.RetentionInDays).toBe(30);
  });

  it('environment: the names of functions/core/env-names.ts, pointing at this stack', () => {
    const env = (name: 'Preprocess' | 'Read' | 'Api') => resources[fnId(name)]!.Properties.Environment.Variables;
    for (const name of ['Preprocess', 'Read', 'Api'] as const) {
      expect(env(name)).toMatchObject({
        [ENV.bucketName]: { Ref: bucketId() },
        [ENV.tableName]: { Ref: tableId() },
        POWERTOOLS_SERVICE_NAME: 'card-ocr',
        POWERTOOLS_METRICS_NAMESPACE: 'CardOcr',
        [ENV.retentionDays]: '30',
        [ENV.maxInputBytes]: String(15 * 1024 * 1024),
      });
    }
    expect(env('Preprocess')[ENV.idempotencyTable]).toEqual({ Ref: idempotencyId() });
    expect(env('Read')[ENV.idempotencyTable]).toEqual({ Ref: idempotencyId() });
    expect(env('Api')[ENV.idempotencyTable]).toBeUndefined();
    // The read function finds its models inside its own asset (unpacked at /var/task).
    expect(env('Read')[ENV.modelDir]).toBe(LAMBDA_MODEL_DIR);
    expect(LAMBDA_MODEL_DIR).toBe(`/var/task/${MODEL_DIR_IN_ASSET}`);
    expect(env('Preprocess')[ENV.modelDir]).toBeUndefined();
    // onnxruntime's telemetry SDK stays off (it would write to /tmp and upload).
    expect(env('Read').ORT_DISABLE_TELEMETRY).toBe('1');
    expect(env('Api')).toMatchObject({
      [ENV.apiAuth]: 'gateway',
      [ENV.uploadExpiresSeconds]: '300',
      [ENV.rateLimitBurst]: '0',
      [ENV.uploadOrigins]: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] }]] },
      [ENV.adminGroup]: 'cardocr-admin',
      [ENV.scanQuotaPerMinute]: '10',
      [ENV.scanQuotaPerDay]: '200',
    });
    // The CDK defaults are the runtime's defaults (lib/ cannot import the config module).
    const api = configDefaults('api');
    expect([api.adminGroup, String(api.scanQuotaPerMinute), String(api.scanQuotaPerDay)]).toEqual([
      env('Api')[ENV.adminGroup],
      env('Api')[ENV.scanQuotaPerMinute],
      env('Api')[ENV.scanQuotaPerDay],
    ]);
    // Tracing is off by default: the Tracer is not even built.
    for (const name of ['Preprocess', 'Read', 'Api'] as const) expect(env(name)[POWERTOOLS_ENV.traceEnabled]).toBeUndefined();
    // Every name set is one the runtime declares (or Powertools/Node read themselves).
    const known = new Set<string>([...Object.values(ENV), ...Object.values(POWERTOOLS_ENV), 'NODE_OPTIONS', 'ORT_DISABLE_TELEMETRY']);
    for (const name of ['Preprocess', 'Read', 'Api'] as const) {
      for (const key of Object.keys(env(name))) expect(known, `${name} ${key}`).toContain(key);
    }
  });

  /** DynamoDB actions a role may call on `table` (its ARN or its indexes). */
  const dynamoActions = (fn: 'Preprocess' | 'Read' | 'Api', table: string) =>
    [
      ...new Set(
        allowStatements(fn)
          .filter((s) => JSON.stringify(s.Resource).includes(`"${table}"`))
          .flatMap((s) => asList(s.Action))
          .filter((a) => a.startsWith('dynamodb:')),
      ),
    ].sort();

  it('least privilege on the tables: only the DynamoDB actions each function uses (no Scan, no batch writes)', () => {
    expect(dynamoActions('Preprocess', tableId())).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamoActions('Read', tableId())).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamoActions('Api', tableId())).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // The API's UpdateItem is for the quota counters only: limited to the `quota#` items, so it
    // can never change a scan record.
    const updates = allowStatements('Api').filter((s) => asList(s.Action).includes('dynamodb:UpdateItem'));
    expect(updates).toHaveLength(1);
    expect(asList(updates[0]!.Action)).toEqual(['dynamodb:UpdateItem']);
    expect(updates[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RESULT_TABLE.quotaPrefix}*`] } });
    // No function may Scan or batch-write either table.
    for (const fn of ['Preprocess', 'Read', 'Api'] as const) {
      const actions = allowStatements(fn).flatMap((s) => asList(s.Action));
      expect(actions.filter((a) => /^dynamodb:(Scan|BatchWriteItem|\*)$/.test(a)), fn).toEqual([]);
    }
    for (const fn of ['Preprocess', 'Read'] as const) {
      expect(dynamoActions(fn, idempotencyId())).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
    }
    expect(dynamoActions('Api', idempotencyId())).toEqual([]);
    // The API's list queries need the index ARNs.
    expect(JSON.stringify(allowStatements('Api').filter((s) => asList(s.Action).includes('dynamodb:Query')))).toContain('/index/*');
  });

  it('no function role has an action on every resource (X-Ray, the only exception, is off by default)', () => {
    for (const fn of ['Preprocess', 'Read', 'Api'] as const) {
      expect(allowStatements(fn).filter((s) => s.Resource === '*')).toEqual([]);
    }
  });
});

describe('API', () => {
  it('HTTP API without CORS by default (no localhost in a deployed stack); CORS for exactly the origins given', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
    expect(JSON.stringify(template.toJSON())).not.toContain('localhost');
    synthStack({ pipeline: { api: { allowedOrigins: ['http://localhost:3000'] } } }).template.hasResourceProperties(
      'AWS::ApiGatewayV2::Api',
      {
        CorsConfiguration: Match.objectLike({
          AllowOrigins: ['http://localhost:3000'],
          AllowMethods: Match.arrayWith(['GET', 'POST', 'DELETE']),
          AllowHeaders: Match.arrayWith(['authorization']),
        }),
      },
    );
  });

  it('routes: /v1/{proxy+} behind the JWT authorizer; health, OpenAPI and the web page public; all to the api function', () => {
    const authorizerId = only('AWS::ApiGatewayV2::Authorizer', 'PipelineApiHttpApi');
    const routes = idsOf('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties);
    const summary = routes
      .map((r) => `${r.RouteKey} ${r.AuthorizationType ?? 'NONE'} ${r.AuthorizerId?.Ref === authorizerId ? 'jwt' : '-'}`)
      .sort();
    expect(summary).toEqual([
      // The catch-all: the app's JSON 404/405 instead of API Gateway's own (issue 11).
      '$default NONE -',
      'DELETE /v1/{proxy+} JWT jwt',
      'GET / NONE -',
      'GET /assets/{proxy+} NONE -',
      'GET /healthz NONE -',
      'GET /openapi.json NONE -',
      'GET /v1/{proxy+} JWT jwt',
      'PATCH /v1/{proxy+} JWT jwt',
      'POST /v1/{proxy+} JWT jwt',
      'PUT /v1/{proxy+} JWT jwt',
    ]);
    // One Lambda proxy integration (payload v2) of the api function serves every route.
    const integrations = idsOf('AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(resources[integrations[0]!]!.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [fnId('Api'), 'Arn'] },
    });
    for (const r of routes) expect(r.Target['Fn::Join'][1][1]).toEqual({ Ref: integrations[0] });
  });

  it('JWT authorizer: issuer and audience of the Cognito user pool created by the stack', () => {
    const userPool = only('AWS::Cognito::UserPool', 'Pipeline');
    const client = only('AWS::Cognito::UserPoolClient', 'Pipeline');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: client }],
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: userPool }]] },
      },
    });
  });

  it('tenancy: the admin Cognito group exists in the created pool, and its name reaches the API function', () => {
    const group = resources[only('AWS::Cognito::UserPoolGroup', 'PipelineApiAdminGroup')]!.Properties;
    expect(group.GroupName).toBe('cardocr-admin');
    expect(group.UserPoolId).toEqual({ Ref: only('AWS::Cognito::UserPool', 'PipelineApiUserPool') });
    const custom = synthStack({ pipeline: { api: { adminGroup: 'card-ops', scanQuota: { perMinute: 2, perDay: 0 } } } }).template;
    custom.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'card-ops' });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.adminGroup]: 'card-ops', [ENV.scanQuotaPerMinute]: '2', [ENV.scanQuotaPerDay]: '0' }),
      },
    });
  });

  it('user pool: invite only, MFA required (TOTP), strong passwords; public client without secret', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
    });
    const client = resources[only('AWS::Cognito::UserPoolClient', 'Pipeline')]!.Properties;
    expect(client.GenerateSecret).toBe(false);
    expect([...client.ExplicitAuthFlows].sort()).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_USER_SRP_AUTH',
    ]);
    // The web page signs in through the hosted UI (authorization code + PKCE): test/cdk/sign-in.test.ts.
    expect(client.AllowedOAuthFlows).toEqual(['code']);
  });

  it('$default stage: auto deploy, throttling limits, JSON access logs with retention', () => {
    const stage = resources[only('AWS::ApiGatewayV2::Stage', 'PipelineApiStage')]!.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 });
    // Public routes have their own, lower limits: an anonymous flood cannot use up the /v1 share.
    expect(stage.RouteSettings).toEqual({
      'GET /': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      'GET /healthz': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      'GET /openapi.json': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      'GET /assets/{proxy+}': { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      $default: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
    });
    // Every throttled route key is a route of the API.
    const routeKeys = idsOf('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties.RouteKey as string);
    for (const key of Object.keys(stage.RouteSettings as object)) expect(routeKeys).toContain(key);
    const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(Object.values(format).join(' ')).not.toMatch(/body|querystring/i);
    const logGroup = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(resources[logGroup]!.Properties.RetentionInDays).toBe(30);
  });
});

describe('operations', () => {
  const alarmsOn = (metric: string, dimension: string, target: string) =>
    idsOf('AWS::CloudWatch::Alarm').filter((id) => {
      const p = resources[id]!.Properties;
      return (
        p.MetricName === metric &&
        p.Dimensions?.some((d: { Name: string; Value: unknown }) => d.Name === dimension && JSON.stringify(d.Value).includes(target))
      );
    });

  it('alarms: DLQ depth, oldest message age (both stages); errors and throttles (all functions); duration near timeout (stages); API 5xx', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 16);
    for (const stage of ['Preprocess', 'Read'] as const) {
      expect(alarmsOn('ApproximateNumberOfMessagesVisible', 'QueueName', dlqId(stage))).toHaveLength(1);
      expect(alarmsOn('ApproximateAgeOfOldestMessage', 'QueueName', `"${queueId(stage)}"`)).toHaveLength(1);
      const duration = alarmsOn('Duration', 'FunctionName', fnId(stage));
      expect(duration).toHaveLength(1);
      // 80 % of the function's timeout, on the slowest invocation of the period.
      const p = resources[duration[0]!]!.Properties;
      expect(p.Statistic).toBe('Maximum');
      expect(p.Threshold).toBe(0.8 * 1000 * (resources[fnId(stage)]!.Properties.Timeout as number));
    }
    for (const fn of ['Preprocess', 'Read', 'Api'] as const) {
      expect(alarmsOn('Errors', 'FunctionName', fnId(fn))).toHaveLength(1);
      expect(alarmsOn('Throttles', 'FunctionName', fnId(fn))).toHaveLength(1);
    }
    // The handlers' Failures metric, every error code, per stage (a Metrics Insights query).
    for (const stage of ['preprocess', 'read'] as const) {
      const failures = idsOf('AWS::CloudWatch::Alarm').filter((id) =>
        JSON.stringify(resources[id]!.Properties.Metrics ?? []).includes(`SELECT SUM(Failures) FROM \\"CardOcr\\" WHERE stage = '${stage}'`),
      );
      expect(failures, stage).toHaveLength(1);
      expect(resources[failures[0]!]!.Properties.Threshold).toBe(5);
    }
    // The Hono app turns its exceptions into 500s, which only the API's 5xx metric sees.
    expect(alarmsOn('5xx', 'ApiId', only('AWS::ApiGatewayV2::Api', 'PipelineApiHttpApi'))).toHaveLength(1);
  });

  it('every alarm notifies the alarm topic on ALARM and OK, and ignores missing data', () => {
    const topic = only('AWS::SNS::Topic', 'AlarmTopic');
    for (const id of idsOf('AWS::CloudWatch::Alarm')) {
      const p = resources[id]!.Properties;
      expect(p.AlarmActions).toEqual([{ Ref: topic }]);
      expect(p.OKActions).toEqual([{ Ref: topic }]);
      expect(p.TreatMissingData).toBe('notBreaching');
    }
  });

  it('every log group has a retention and masks card data (managed CreditCardNumber, security code, expiry)', () => {
    const groups = idsOf('AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const id of groups) {
      const p = resources[id]!.Properties;
      expect(p.RetentionInDays, id).toBeGreaterThan(0);
      const statements = p.DataProtectionPolicy.Statement as Array<{ DataIdentifier: string[]; Operation: Record<string, unknown> }>;
      const masked = statements.find((s) => 'Deidentify' in s.Operation);
      expect(masked?.Operation).toEqual({ Deidentify: { MaskConfig: {} } });
      expect(masked?.DataIdentifier.map((d) => String(JSON.stringify(d)))).toEqual(
        expect.arrayContaining([expect.stringContaining(':dataprotection::aws:data-identifier/CreditCardNumber')]),
      );
      expect(statements.some((s) => 'Audit' in s.Operation)).toBe(true);
    }
  });

  it('monthly budget (default 50 USD) alerts the alarm topic at 80 % actual and 100 % forecast; Budgets may publish there', () => {
    const budget = resources[only('AWS::Budgets::Budget', 'MonthlyBudget')]!.Properties;
    expect(budget.Budget).toMatchObject({ BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 50, Unit: 'USD' } });
    const topic = only('AWS::SNS::Topic', 'AlarmTopic');
    expect(
      (budget.NotificationsWithSubscribers as Array<{ Notification: Record<string, unknown>; Subscribers: unknown[] }>).map((n) => [
        n.Notification.NotificationType,
        n.Notification.Threshold,
        n.Subscribers,
      ]),
    ).toEqual([
      ['ACTUAL', 80, [{ SubscriptionType: 'SNS', Address: { Ref: topic } }]],
      ['FORECASTED', 100, [{ SubscriptionType: 'SNS', Address: { Ref: topic } }]],
    ]);
    const topicPolicy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!.Properties.PolicyDocument;
    expect(topicPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'budgets.amazonaws.com' },
          Action: 'SNS:Publish',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }),
      ]),
    );
    const none = synthStack({ monthlyBudgetUsd: 0 }).template;
    none.resourceCountIs('AWS::Budgets::Budget', 0);
    expect(() => synthStack({ monthlyBudgetUsd: -1 })).toThrow(/monthlyBudgetUsd must be a non-negative number/);
  });

  it('outputs: API URL, bucket, table, user pool and client, alarm topic, DLQs, result bus', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object).sort();
    expect(outputs).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'BucketName',
        'PreprocessDeadLetterQueueUrl',
        'ReadDeadLetterQueueUrl',
        'ResultBusName',
        'TableName',
        'UserPoolClientId',
        'UserPoolId',
      ].sort(),
    );
  });
});

describe('props', () => {
  let custom: Record<string, Resource>;
  let customTemplate: Template;

  beforeAll(() => {
    ({ template: customTemplate } = synthStack({
      alarmEmail: 'ops@example.com',
      pipeline: {
        architecture: Architecture.X86_64,
        preprocess: { memorySize: 1536, maxConcurrency: 3, batchSize: 1, timeout: Duration.seconds(120), maxReceiveCount: 3 },
        read: { memorySize: 3008, maxConcurrency: 7, maxMessageAge: Duration.minutes(5) },
        api: {
          memorySize: 256,
          allowedOrigins: ['https://cards.example.com'],
          jwt: { issuer: 'https://login.example.com/', audience: ['card-api'] },
          rateLimit: 5,
          burstLimit: 10,
          uploadExpires: Duration.minutes(2),
        },
        recordRetentionDays: 7,
        logRetention: RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
        tracing: true,
      },
    }));
    custom = customTemplate.toJSON().Resources as Record<string, Resource>;
  });

  const fnProps = (prefix: string) =>
    Object.entries(custom).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))![1].Properties;
  const queueProps = (prefix: string) =>
    Object.entries(custom).find(([id, r]) => r.Type === 'AWS::SQS::Queue' && id.startsWith(prefix))![1].Properties;

  it('architecture, memory sizes, timeouts, tracing and retention reach the functions and log groups', () => {
    expect(fnProps('PipelinePreprocessFunction')).toMatchObject({ Architectures: ['x86_64'], MemorySize: 1536, Timeout: 120 });
    expect(fnProps('PipelineReadFunction')).toMatchObject({ Architectures: ['x86_64'], MemorySize: 3008, Timeout: 90 });
    expect(fnProps('PipelineApiFunction')).toMatchObject({ Architectures: ['x86_64'], MemorySize: 256 });
    for (const p of ['PipelinePreprocessFunction', 'PipelineReadFunction', 'PipelineApiFunction']) {
      expect(fnProps(p).TracingConfig).toEqual({ Mode: 'Active' });
      // ... and the Powertools Tracer captures the SDK clients (S3/DynamoDB/SQS subsegments).
      expect(fnProps(p).Environment.Variables[POWERTOOLS_ENV.traceEnabled]).toBe('true');
    }
    expect(fnProps('PipelineReadFunction').Environment.Variables[ENV.retentionDays]).toBe('7');
    expect(fnProps('PipelineApiFunction').Environment.Variables[ENV.uploadExpiresSeconds]).toBe('120');
    for (const r of Object.values(custom).filter((r) => r.Type === 'AWS::Logs::LogGroup')) {
      expect(r.Properties.RetentionInDays).toBe(7);
    }
  });

  it('per-stage queue settings: concurrency, batch size, receive count (and the handler learns it), visibility, age alarm', () => {
    const mappings = Object.values(custom).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map((r) => [r.Properties.BatchSize, r.Properties.ScalingConfig.MaximumConcurrency]).sort()).toEqual([
      [1, 3],
      [2, 7],
    ]);
    expect(queueProps('PipelinePreprocessQueue')).toMatchObject({ VisibilityTimeout: 720, RedrivePolicy: { maxReceiveCount: 3 } });
    expect(fnProps('PipelinePreprocessFunction').Environment.Variables[ENV.maxReceiveCount]).toBe('3');
    expect(queueProps('PipelineReadQueue').RedrivePolicy.maxReceiveCount).toBe(5);
    const readAge = Object.entries(custom).find(([id]) => id.startsWith('PipelineReadOldestMessageAlarm'))![1];
    expect(readAge.Properties.Threshold).toBe(300);
  });

  it('allowed origins reach the API CORS and the bucket CORS; throttling limits reach the stage', () => {
    customTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://cards.example.com'] }),
    });
    customTemplate.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: Match.arrayWith([Match.objectLike({ AllowedOrigins: ['https://cards.example.com'] })]) },
    });
    customTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
    });
  });

  it('an external issuer replaces the Cognito user pool', () => {
    customTemplate.resourceCountIs('AWS::Cognito::UserPool', 0);
    customTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Audience: ['card-api'], Issuer: 'https://login.example.com/' },
    });
    expect(Object.keys(customTemplate.toJSON().Outputs as object)).not.toContain('UserPoolId');
  });

  it('RemovalPolicy.DESTROY deletes buckets (emptied first) and tables, without deletion protection', () => {
    for (const r of Object.values(custom).filter((r) => r.Type === 'AWS::S3::Bucket' || r.Type === 'AWS::DynamoDB::Table')) {
      expect(r.DeletionPolicy).toBe('Delete');
      expect(r.Properties.DeletionProtectionEnabled).not.toBe(true);
    }
    customTemplate.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('alarm email subscribes to the alarm topic', () => {
    customTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it.each([
    [{ api: { jwt: { issuer: 'https://login.example.com/', audience: [] } } }, /at least one audience/],
    [{ read: { maxConcurrency: 1 } }, /read\.maxConcurrency must be an integer from 2 to 1000/],
    [{ preprocess: { maxConcurrency: 1001 } }, /preprocess\.maxConcurrency must be an integer from 2 to 1000/],
    [{ preprocess: { batchSize: 11 } }, /preprocess\.batchSize must be an integer from 1 to 10/],
    [{ read: { timeout: Duration.minutes(16) } }, /read\.timeout must be 1 s to 15 minutes/],
    [{ api: { allowedOrigins: ['*'] } }, /exact api\.allowedOrigins/],
    [{ api: { uploadExpires: Duration.hours(2) } }, /api\.uploadExpires must be 30 s to 1 hour/],
    [{ api: { publicRateLimit: 0 } }, /api\.publicRateLimit must be a positive number/],
    [{ api: { scanQuota: { perDay: -1 } } }, /api\.scanQuota\.perDay must be a whole number/],
    [{ api: { adminGroup: 'two words' } }, /api\.adminGroup must be a Cognito group name/],
    [{ resultEvents: false, onResult: {} as never }, /onResult needs resultEvents/],
  ] as const)('rejects invalid props %#', (pipeline, message) => {
    expect(() => new CardOcrStack(testApp(), 'Bad', { pipeline: pipeline as never })).toThrow(message);
  });
});

describe('bring your own bucket and results table', () => {
  let byo: Record<string, Resource>;
  let pipeline: CardOcrPipeline;

  beforeAll(() => {
    const stack = new Stack(testApp(), 'Byo', { env: { account: '123456789012', region: 'eu-west-1' } });
    const bucket = s3.Bucket.fromBucketName(stack, 'Photos', 'my-card-photos');
    const table = dynamodb.Table.fromTableAttributes(stack, 'Results', {
      tableName: 'my-card-results',
      tableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/my-card-results/stream/2026-01-01T00:00:00.000',
      globalIndexes: ['by-status', 'by-key', 'by-created'],
    });
    pipeline = new CardOcrPipeline(stack, 'Pipeline', { storage: { bucket, resultsTable: table } });
    byo = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  });

  it('creates no bucket and no results table (only the idempotency table), and uses the given ones', () => {
    const types = Object.values(byo).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::S3::Bucket')).toEqual([]);
    expect(types.filter((t) => t === 'AWS::DynamoDB::Table')).toHaveLength(1);
    expect(pipeline.storage.accessLogBucket).toBeUndefined();
    const fn = Object.entries(byo).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('PipelineReadFunction'))![1];
    expect(fn.Properties.Environment.Variables).toMatchObject({ [ENV.bucketName]: 'my-card-photos', [ENV.tableName]: 'my-card-results' });
  });

  it('still wires uploads/ → preprocess queue on the given bucket, and the grants name it', () => {
    const notifications = Object.values(byo).filter((r) => r.Type === 'Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.Properties.BucketName).toBe('my-card-photos');
    expect(JSON.stringify(notifications[0]!.Properties.NotificationConfiguration)).toContain('uploads/');
    const policies = JSON.stringify(Object.values(byo).filter((r) => r.Type === 'AWS::IAM::Policy'));
    expect(policies).toContain(':s3:::my-card-photos/uploads/*');
    expect(policies).toContain(':table/my-card-results');
  });

  it('refuses result events on a brought table without a stream, with what to do', () => {
    const stack = new Stack(testApp(), 'NoStream');
    const table = dynamodb.Table.fromTableName(stack, 'Results', 'my-card-results');
    expect(() => new CardOcrPipeline(stack, 'Pipeline', { storage: { resultsTable: table } })).toThrow(
      /result events need a stream on the results table.*tableStreamArn/,
    );
    // ... and builds without them when asked.
    const other = new Stack(testApp(), 'NoEvents');
    const t2 = dynamodb.Table.fromTableName(other, 'Results', 'my-card-results');
    const p = new CardOcrPipeline(other, 'Pipeline', { storage: { resultsTable: t2 }, resultEvents: false });
    expect(p.resultBus).toBeUndefined();
    expect(Template.fromStack(other).findResources('AWS::Pipes::Pipe')).toEqual({});
  });
});

describe('grants for consumers', () => {
  let grants: Record<string, Resource>;
  let pipeline: CardOcrPipeline;

  beforeAll(() => {
    const stack = new Stack(testApp(), 'Grants');
    pipeline = new CardOcrPipeline(stack, 'Pipeline');
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const uploader = new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantReadResults(reader);
    pipeline.grantUpload(uploader);
    grants = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  });

  const statementsOf = (role: string): Statement[] =>
    Object.entries(grants)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(role))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[]);

  it('grantReadResults: GetItem, BatchGetItem and Query on the results table and its indexes, nothing else', () => {
    const statements = statementsOf('Reader');
    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    const json = JSON.stringify(statements);
    expect(json).toContain('PipelineStorageResultsTable');
    expect(json).toContain('/index/*');
    expect(json).not.toContain('IdempotencyTable');
    expect(json).not.toContain('s3:');
  });

  it('grantUpload: put under uploads/ only (no read, no delete, no processed/)', () => {
    const statements = statementsOf('Uploader');
    const actions = statements.flatMap((s) => asList(s.Action));
    expect(actions).toContain('s3:PutObject');
    expect(actions.some((a) => a.startsWith('s3:Get') || a.startsWith('s3:Delete') || a.startsWith('dynamodb:'))).toBe(false);
    const json = JSON.stringify(statements.map((s) => s.Resource));
    expect(json).toContain('/uploads/*');
    expect(json).not.toContain('processed/');
  });
});

describe('result events (onResult hook)', () => {
  it('results stream → Pipe → EventBridge bus, only changes into done/failed, reshaped to id + status', () => {
    const table = resources[tableId()]!.Properties;
    expect(table.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const pipe = resources[only('AWS::Pipes::Pipe', 'PipelineResultsPipe')]!.Properties;
    expect(pipe.Source).toEqual({ 'Fn::GetAtt': [tableId(), 'StreamArn'] });
    expect(pipe.Target).toEqual({ 'Fn::GetAtt': [only('AWS::Events::EventBus', 'PipelineResultsBus'), 'Arn'] });
    expect(pipe.TargetParameters.EventBridgeEventBusParameters).toEqual({ Source: RESULT_EVENT_SOURCE, DetailType: RESULT_EVENT_DETAIL_TYPE });
    // No card field leaves the table this way, masked or not.
    const transform = pipe.TargetParameters.InputTemplate as string;
    expect(transform).toBe('{"scanId": "<$.dynamodb.Keys.id.S>", "status": "<$.dynamodb.NewImage.status.S>"}');
    expect(transform).not.toMatch(/card|pan|last4|name|NewImage\.(?!status)/);
    // Undeliverable records are parked, not dropped, and alarmed.
    const dlq = only('AWS::SQS::Queue', 'PipelineResultsDeadLetterQueue');
    expect(pipe.SourceParameters.DynamoDBStreamParameters).toMatchObject({
      MaximumRetryAttempts: 3,
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    });
    expect(
      idsOf('AWS::CloudWatch::Alarm', 'PipelineResultsDlqDepthAlarm').map((id) => JSON.stringify(resources[id]!.Properties.Dimensions)),
    ).toEqual([expect.stringContaining(dlq)]);
    const filters = (pipe.SourceParameters.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    expect(filters).toEqual([
      {
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { status: { S: ['done', 'failed'] } },
          OldImage: { status: { S: [{ 'anything-but': ['done', 'failed'] }] } },
        },
      },
      { eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['done', 'failed'] } } } },
    ]);
  });

  it('the filter keeps exactly the changes into a final status (evaluated on sample stream records)', () => {
    // A small evaluator of the two patterns above, so the intent is checked on records, not only on JSON.
    const pipe = resources[only('AWS::Pipes::Pipe', 'PipelineResultsPipe')]!.Properties;
    const filters = (pipe.SourceParameters.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    const matches = (pattern: any, value: any): boolean => {
      if (Array.isArray(pattern)) {
        return pattern.some((p) => (p && typeof p === 'object' && 'anything-but' in p ? !p['anything-but'].includes(value) : p === value));
      }
      return value !== undefined && Object.entries(pattern).every(([k, p]) => matches(p, value?.[k]));
    };
    const record = (eventName: string, from: string | null, to: string) => ({
      eventName,
      dynamodb: { ...(from ? { OldImage: { status: { S: from } } } : {}), NewImage: { status: { S: to } } },
    });
    const passes = (r: unknown) => filters.some((f) => matches(f, r));
    expect(passes(record('MODIFY', 'reading', 'done'))).toBe(true);
    expect(passes(record('MODIFY', 'preprocessing', 'failed'))).toBe(true);
    expect(passes(record('INSERT', null, 'failed'))).toBe(true);
    expect(passes(record('MODIFY', 'preprocessing', 'reading'))).toBe(false);
    expect(passes(record('MODIFY', 'done', 'done'))).toBe(false);
    expect(passes(record('INSERT', null, 'awaiting_upload'))).toBe(false);
  });

  it("the pipe's role reads only the results stream and puts events only on the bus; it trusts pipes of this account", () => {
    const roleId = only('AWS::IAM::Role', 'PipelineResultsPipeRole');
    const role = resources[roleId]!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'pipes.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
    const byAction = Object.fromEntries(statements.flatMap((s) => asList(s.Action).map((a) => [a, s.Resource])));
    expect(byAction['events:PutEvents']).toEqual({ 'Fn::GetAtt': [only('AWS::Events::EventBus', 'PipelineResultsBus'), 'Arn'] });
    expect(byAction['dynamodb:GetRecords']).toEqual({ 'Fn::GetAtt': [tableId(), 'StreamArn'] });
    expect(byAction['dynamodb:ListStreams']).toBe('*');
    expect(byAction['sqs:SendMessage']).toEqual({ 'Fn::GetAtt': [only('AWS::SQS::Queue', 'PipelineResultsDeadLetterQueue'), 'Arn'] });
    expect(Object.keys(byAction).filter((a) => /dynamodb:(Get|Put|Update|Delete|Query|Scan)Item|Scan|Query/.test(a) && a !== 'dynamodb:GetRecords' && a !== 'dynamodb:GetShardIterator')).toEqual([]);
  });

  it('onResult: events go to a bus of your own', () => {
    const stack = new Stack(testApp(), 'OwnBus');
    const bus = new events.EventBus(stack, 'Mine');
    const p = new CardOcrPipeline(stack, 'Pipeline', { onResult: bus });
    expect(p.resultBus).toBe(bus);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Events::EventBus', 1);
    t.hasResourceProperties('AWS::Pipes::Pipe', { Target: { 'Fn::GetAtt': [stack.getLogicalId(bus.node.defaultChild as CfnElement), 'Arn'] } });
  });
});

describe('real handler wiring (NodejsFunction, bundling skipped by context)', () => {
  it('bundles each entry file to index.mjs with source maps enabled', () => {
    // Every test synth skips bundling through `aws:cdk:bundling-stacks: []` (as `cdk synth
    // --exclusively` does): the NodejsFunction wiring is synthesised without esbuild or npm.
    const fns = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x');
    expect(fns).toHaveLength(3);
    for (const fn of fns) {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(fn.Properties.Code.S3Key).toMatch(/\.zip$/);
    }
  });

  it('lib/index.ts exports the constructs for use in other stacks', async () => {
    const lib = await import('../../lib/index.js');
    for (const name of ['CardOcrPipeline', 'CardOcrStack', 'PipelineStorage', 'SqsStage', 'ScanApi', 'ResultEvents']) {
      expect(typeof (lib as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(lib.CardOcrPipeline).toBe(CardOcrPipeline);
  });

  it('entry files exist for every handler', async () => {
    const { existsSync } = await import('node:fs');
    const { HANDLER_ENTRIES } = await import('../../lib/card-ocr-pipeline.js');
    for (const entry of Object.values(HANDLER_ENTRIES)) {
      expect(existsSync(new URL(`../../${entry}`, import.meta.url)), entry).toBe(true);
    }
  });
});
