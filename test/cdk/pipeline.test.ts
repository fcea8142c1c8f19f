/**
 * Assertion tests of the CDK stack: every resource and wiring of the pipeline, read from the
 * synthesised template. Bundling is stubbed (see synth-helpers.ts); the default stack is
 * synthesised once for the whole file, the customised one once for its block.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { IDEMPOTENCY_TABLE, RESULT_TABLE } from '../../functions/adapters/aws/result-table-schema.js';
import { CardOcrStack } from '../../lib/card-ocr-stack.js';
import { CDK_CONTEXT, STUB_CODE, synthStack } from './synth-helpers.js';

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
const bucketId = () => only('AWS::S3::Bucket', 'PipelineUploadBucket');

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
    expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: only('AWS::S3::Bucket', 'PipelineAccessLogBucket') });
    // Deleted card photos must not survive as noncurrent versions.
    expect(bucket.VersioningConfiguration).toBeUndefined();
  });

  it('upload bucket: uploads/ and processed/ expire after one day; CORS allows browser POST uploads', () => {
    const bucket = resources[bucketId()]!.Properties;
    const rules = bucket.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'processed/', ExpirationInDays: 1, Status: 'Enabled' }),
      ]),
    );
    expect(bucket.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: ['POST'], AllowedOrigins: ['http://localhost:3000'] }),
      // The web page served by the API posts photos to the bucket too.
      expect.objectContaining({
        AllowedMethods: ['POST'],
        AllowedOrigins: [{ 'Fn::GetAtt': [only('AWS::ApiGatewayV2::Api', 'PipelineHttpApi'), 'ApiEndpoint'] }],
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

  it('results table: on demand, PITR, encryption, TTL expiresAt, the three GSIs of the adapter schema', () => {
    const table = resources[only('AWS::DynamoDB::Table', 'PipelineResultsTable')]!.Properties;
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
    expect(indexes.map((i) => i.name).sort()).toEqual(['by-created', 'by-key', 'by-status']);
  });

  it('idempotency table: id partition key and Powertools TTL attribute `expiration`', () => {
    const table = resources[only('AWS::DynamoDB::Table', 'PipelineIdempotencyTable')]!.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(IDEMPOTENCY_TABLE.partitionKey).toBe('id');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('stateful resources are retained by default', () => {
    for (const id of [bucketId(), only('AWS::DynamoDB::Table', 'PipelineResultsTable'), only('AWS::Cognito::UserPool', 'Pipeline')]) {
      expect(resources[id]!.DeletionPolicy, id).toBe('Retain');
    }
  });
});

describe('flow: S3 → SQS → Lambda, twice', () => {
  it('four queues, all SQS-managed encryption (no KMS key: S3 could not deliver) and TLS only', () => {
    expect(idsOf('AWS::SQS::Queue')).toHaveLength(4);
    for (const id of idsOf('AWS::SQS::Queue')) {
      expect(resources[id]!.Properties.SqsManagedSseEnabled, id).toBe(true);
      expect(resources[id]!.Properties.KmsMasterKeyId, id).toBeUndefined();
    }
    const policies = idsOf('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(4);
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
  });

  it('bucket notifications: uploads/ → preprocess queue, processed/ → read queue, prefixes disjoint', () => {
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
      { events: ['s3:ObjectCreated:*'], filters: [{ Name: 'prefix', Value: 'processed/' }], queue: queueId('Read') },
    ]);
    // Overlapping rules fail to deploy: neither prefix may contain the other.
    const [a, b] = rules.map((r) => r.filters[0].Value as string);
    expect(a!.startsWith(b!) || b!.startsWith(a!)).toBe(false);
    expect(config.NotificationConfiguration.LambdaFunctionConfigurations).toBeUndefined();
    expect(config.NotificationConfiguration.TopicConfigurations).toBeUndefined();
  });

  it.each(['Preprocess', 'Read'] as const)('%s queue policy lets only this bucket (s3.amazonaws.com) send', (stage) => {
    const policyId = only('AWS::SQS::QueuePolicy', `Pipeline${stage}QueuePolicy`);
    const statements = resources[policyId]!.Properties.PolicyDocument.Statement as Statement[];
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId(), 'Arn'] } } },
        Resource: { 'Fn::GetAtt': [queueId(stage), 'Arn'] },
      },
    ]);
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

  it('each stage consumes only its own queue', () => {
    for (const [stage, other] of [
      ['Preprocess', 'Read'],
      ['Read', 'Preprocess'],
    ] as const) {
      const sqsResources = allowStatements(stage)
        .filter((s) => asList(s.Action).includes('sqs:ReceiveMessage'))
        .flatMap((s) => asList(s.Resource));
      expect(sqsResources).toEqual([{ 'Fn::GetAtt': [queueId(stage), 'Arn'] }]);
      expect(JSON.stringify(allowStatements(stage))).not.toContain(queueId(other));
    }
    expect(JSON.stringify(allowStatements('Api'))).not.toContain('sqs:');
  });
});

describe('functions', () => {
  it.each([
    ['Preprocess', 1024, 60],
    ['Read', 2048, 90],
    ['Api', 512, 10],
  ] as const)('%s: nodejs22.x on arm64, %i MB, %i s, X-Ray, JSON logs in its own log group', (name, memory, timeout) => {
    const fn = resources[fnId(name)]!.Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.MemorySize).toBe(memory);
    expect(fn.Timeout).toBe(timeout);
    expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    expect(fn.LoggingConfig.LogFormat).toBe('JSON');
    const logGroup = fn.LoggingConfig.LogGroup.Ref as string;
    expect(resources[logGroup]!.Properties.RetentionInDays).toBe(30);
  });

  it('environment: the names loadAwsConfig/loadApiConfig read, pointing at this stack', () => {
    const env = (name: 'Preprocess' | 'Read' | 'Api') => resources[fnId(name)]!.Properties.Environment.Variables;
    const tableRef = { Ref: only('AWS::DynamoDB::Table', 'PipelineResultsTable') };
    const idempotencyRef = { Ref: only('AWS::DynamoDB::Table', 'PipelineIdempotencyTable') };
    for (const name of ['Preprocess', 'Read', 'Api'] as const) {
      expect(env(name)).toMatchObject({
        BUCKET_NAME: { Ref: bucketId() },
        TABLE_NAME: tableRef,
        POWERTOOLS_SERVICE_NAME: 'card-ocr',
        POWERTOOLS_METRICS_NAMESPACE: 'CardOcr',
        CARDOCR_RETENTION_DAYS: '30',
        CARDOCR_MAX_INPUT_BYTES: String(15 * 1024 * 1024),
      });
    }
    expect(env('Preprocess').CARDOCR_IDEMPOTENCY_TABLE).toEqual(idempotencyRef);
    expect(env('Read').CARDOCR_IDEMPOTENCY_TABLE).toEqual(idempotencyRef);
    expect(env('Api').CARDOCR_IDEMPOTENCY_TABLE).toBeUndefined();
    expect(env('Api')).toMatchObject({
      CARDOCR_API_AUTH: 'gateway',
      CARDOCR_UPLOAD_EXPIRES_SECONDS: '300',
      CARDOCR_RATE_LIMIT_BURST: '0',
      CARDOCR_UPLOAD_ORIGINS: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] }]] },
    });
  });

  it('table access through grants: all three read/write results; only the stages use the idempotency table', () => {
    const tableId = only('AWS::DynamoDB::Table', 'PipelineResultsTable');
    const idemId = only('AWS::DynamoDB::Table', 'PipelineIdempotencyTable');
    const dynamoResources = (fn: 'Preprocess' | 'Read' | 'Api') =>
      JSON.stringify(allowStatements(fn).filter((s) => asList(s.Action).includes('dynamodb:PutItem')));
    for (const fn of ['Preprocess', 'Read', 'Api'] as const) {
      expect(dynamoResources(fn)).toContain(tableId);
      // Queries of the GSIs need the index ARNs.
      expect(dynamoResources(fn)).toContain('/index/*');
    }
    expect(dynamoResources('Preprocess')).toContain(idemId);
    expect(dynamoResources('Read')).toContain(idemId);
    expect(dynamoResources('Api')).not.toContain(idemId);
  });

  it('no function role has an action on every resource except X-Ray (which has no resource-level permissions)', () => {
    for (const fn of ['Preprocess', 'Read', 'Api'] as const) {
      const starActions = allowStatements(fn)
        .filter((s) => s.Resource === '*')
        .flatMap((s) => asList(s.Action));
      expect(starActions.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });
});

describe('API', () => {
  it('HTTP API with CORS for the allowed origins', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['http://localhost:3000'],
        AllowMethods: Match.arrayWith(['GET', 'POST', 'DELETE']),
        AllowHeaders: Match.arrayWith(['authorization']),
      }),
    });
  });

  it('routes: /v1/{proxy+} behind the JWT authorizer; health, OpenAPI and the web page public; all to the api function', () => {
    const authorizerId = only('AWS::ApiGatewayV2::Authorizer', 'PipelineHttpApi');
    const routes = idsOf('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties);
    const summary = routes
      .map((r) => `${r.RouteKey} ${r.AuthorizationType ?? 'NONE'} ${r.AuthorizerId?.Ref === authorizerId ? 'jwt' : '-'}`)
      .sort();
    expect(summary).toEqual([
      'DELETE /v1/{proxy+} JWT jwt',
      'GET / NONE -',
      'GET /assets/{proxy+} NONE -',
      'GET /healthz NONE -',
      'GET /openapi.json NONE -',
      'GET /v1/{proxy+} JWT jwt',
      'POST /v1/{proxy+} JWT jwt',
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
    expect(client.AllowedOAuthFlows).toBeUndefined();
  });

  it('$default stage: auto deploy, throttling limits, JSON access logs with retention', () => {
    const stage = resources[only('AWS::ApiGatewayV2::Stage', 'PipelineApiStage')]!.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 });
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

  it('alarms: DLQ depth (both DLQs), oldest message age (both queues), errors (all functions)', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    for (const stage of ['Preprocess', 'Read'] as const) {
      expect(alarmsOn('ApproximateNumberOfMessagesVisible', 'QueueName', dlqId(stage))).toHaveLength(1);
      expect(alarmsOn('ApproximateAgeOfOldestMessage', 'QueueName', `"${queueId(stage)}"`)).toHaveLength(1);
    }
    for (const fn of ['Preprocess', 'Read', 'Api'] as const) {
      expect(alarmsOn('Errors', 'FunctionName', fnId(fn))).toHaveLength(1);
    }
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

  it('every log group has a retention', () => {
    const groups = idsOf('AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const id of groups) expect(resources[id]!.Properties.RetentionInDays, id).toBeGreaterThan(0);
  });

  it('outputs: API URL, bucket, table, user pool and client, alarm topic, DLQs', () => {
    const outputs = Object.keys(template.toJSON().Outputs as object).sort();
    expect(outputs).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'BucketName',
        'PreprocessDeadLetterQueueUrl',
        'ReadDeadLetterQueueUrl',
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
        preprocessMemorySize: 1536,
        readMemorySize: 3008,
        apiMemorySize: 256,
        preprocessMaxConcurrency: 3,
        readMaxConcurrency: 7,
        recordRetentionDays: 7,
        logRetention: RetentionDays.ONE_WEEK,
        allowedOrigins: ['https://cards.example.com'],
        jwtIssuer: 'https://login.example.com/',
        jwtAudience: ['card-api'],
        apiRateLimit: 5,
        apiBurstLimit: 10,
        removalPolicy: RemovalPolicy.DESTROY,
      },
    }));
    custom = customTemplate.toJSON().Resources as Record<string, Resource>;
  });

  const fnProps = (prefix: string) =>
    Object.entries(custom).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))![1].Properties;

  it('architecture, memory sizes and retention reach the functions and log groups', () => {
    expect(fnProps('PipelinePreprocessFunction')).toMatchObject({ Architectures: ['x86_64'], MemorySize: 1536 });
    expect(fnProps('PipelineReadFunction')).toMatchObject({ Architectures: ['x86_64'], MemorySize: 3008 });
    expect(fnProps('PipelineApiFunction')).toMatchObject({ Architectures: ['x86_64'], MemorySize: 256 });
    expect(fnProps('PipelineReadFunction').Environment.Variables.CARDOCR_RETENTION_DAYS).toBe('7');
    for (const r of Object.values(custom).filter((r) => r.Type === 'AWS::Logs::LogGroup')) {
      expect(r.Properties.RetentionInDays).toBe(7);
    }
  });

  it('maximum concurrency per event source', () => {
    const concurrency = Object.values(custom)
      .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
      .map((r) => r.Properties.ScalingConfig.MaximumConcurrency)
      .sort();
    expect(concurrency).toEqual([3, 7]);
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

  it('RemovalPolicy.DESTROY deletes buckets (emptied first) and tables', () => {
    for (const r of Object.values(custom).filter((r) => r.Type === 'AWS::S3::Bucket' || r.Type === 'AWS::DynamoDB::Table')) {
      expect(r.DeletionPolicy).toBe('Delete');
    }
    customTemplate.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('alarm email subscribes to the alarm topic', () => {
    customTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it.each([
    [{ jwtIssuer: 'https://login.example.com/' }, /jwtIssuer and jwtAudience together/],
    [{ jwtAudience: ['x'] }, /jwtIssuer and jwtAudience together/],
    [{ jwtIssuer: 'https://login.example.com/', jwtAudience: [] }, /at least one audience/],
    [{ readMaxConcurrency: 1 }, /from 2 to 1000/],
    [{ preprocessMaxConcurrency: 1001 }, /from 2 to 1000/],
    [{ allowedOrigins: ['*'] }, /exact allowedOrigins/],
  ])('rejects invalid props %j', (pipeline, message) => {
    const app = new App({ context: { ...CDK_CONTEXT } });
    expect(() => new CardOcrStack(app, 'Bad', { pipeline: { ...pipeline, codeOverride: STUB_CODE } })).toThrow(message);
  });
});

describe('real handler wiring (NodejsFunction, bundling skipped by context)', () => {
  it('bundles each entry file to index.mjs with source maps enabled', () => {
    // `aws:cdk:bundling-stacks: []` is how `cdk synth --exclusively` skips bundling: the
    // NodejsFunction wiring is synthesised without running esbuild or npm.
    const app = new App({
      context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new CardOcrStack(app, 'Wiring');
    const fns = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as Resource[];
    const pipelineFns = fns.filter((f) => f.Properties.Runtime === 'nodejs22.x');
    expect(pipelineFns).toHaveLength(3);
    for (const fn of pipelineFns) {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(fn.Properties.Code.S3Key).toMatch(/\.zip$/);
    }
  });

  it('entry files exist for every handler', async () => {
    const { existsSync } = await import('node:fs');
    const { HANDLER_ENTRIES } = await import('../../lib/card-ocr-pipeline.js');
    for (const entry of Object.values(HANDLER_ENTRIES)) {
      expect(existsSync(new URL(`../../${entry}`, import.meta.url)), entry).toBe(true);
    }
  });
});
