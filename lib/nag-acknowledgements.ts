/**
 * The cdk-nag findings (AwsSolutions + Serverless packs) the pipeline accepts by design, each
 * with its reason, on the narrowest construct it applies to. IAM wildcard findings are
 * acknowledged one by one (cdk-nag v3 `RuleId[finding]` ids), so a wildcard added later is
 * still reported. `test/cdk/nag.test.ts` holds the reviewed list and checks every reason.
 *
 * Kept out of the constructs so that what they build and what we accept about it are read
 * (and reviewed) separately.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { IConstruct } from 'constructs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { PROCESSED_PREFIX, UPLOADS_PREFIX, type PipelineStorage } from './pipeline-storage.js';
import type { ResultEvents } from './result-events.js';
import { PUBLIC_ROUTES, type ScanApi } from './scan-api.js';
import type { SqsStage } from './sqs-stage.js';

/** The parts of a `CardOcrPipeline` the acknowledgements look at (structural: no import cycle with it). */
export interface PipelineParts extends IConstruct {
  readonly storage: PipelineStorage;
  readonly bucket: s3.IBucket;
  readonly resultsTable: dynamodb.ITable;
  readonly preprocess: SqsStage;
  readonly read: SqsStage;
  readonly api: ScanApi;
  readonly resultEvents?: ResultEvents;
  readonly tracing: boolean;
}

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * A token (an ARN) as cdk-nag prints it in a finding: `Fn::GetAtt` → `<Id.Arn>`, `Ref` →
 * `<Id>`, `Fn::Join` concatenated. Works for created and imported resources alike.
 */
function nagString(scope: IConstruct, token: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
      if (typeof o['Ref'] === 'string') return `<${o['Ref']}>`;
      if (Array.isArray(o['Fn::Join'])) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(render).join(sep);
      }
    }
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(token));
}

const RUNTIME_REASON =
  'Node.js 22 (nodejs22.x) is the runtime the handlers are bundled (target node22) and tested for; ' +
  'moving to a newer runtime is a deliberate, tested upgrade.';
const GRANTS_REASON =
  'Wildcards come from CDK grant*() methods: object actions (s3:GetObject*, s3:DeleteObject*, s3:Abort*...) ' +
  'limited to one prefix of the pipeline bucket, and the listed DynamoDB actions on the results table indexes.';
const DLQ_REASON = 'This queue is itself a dead-letter queue.';

/** Findings on one function (role, policy, runtime, tracing). */
function acknowledgeFunction(pipeline: PipelineParts, fn: IConstruct & { role?: IConstruct | undefined }, wildcards: string[]) {
  const role = fn.role as IConstruct;
  const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
  for (const finding of wildcards) ack(policy, `AwsSolutions-IAM5[${finding}]`, GRANTS_REASON);
  if (pipeline.tracing) {
    ack(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    );
  } else {
    ack(
      fn,
      'Serverless-LambdaTracing',
      'X-Ray is off by default (tracing prop): at low volume traces are the largest per-photo cost line; ' +
        'Powertools metrics and structured logs cover operations.',
    );
  }
  ack(
    role,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "The AWS-managed basic execution policy only allows writing the function's own CloudWatch logs.",
  );
  ack(fn, 'AwsSolutions-L1', RUNTIME_REASON);
  ack(fn, 'Serverless-LambdaLatestVersion', RUNTIME_REASON);
  ack(
    fn,
    'Serverless-LambdaDLQ',
    'Never invoked asynchronously: the stages are polled from SQS (whose queues have dead-letter queues) ' +
      'and the API function is invoked synchronously by API Gateway.',
  );
}

function acknowledgeStage(stage: SqsStage): void {
  ack(stage.deadLetterQueue, 'AwsSolutions-SQS3', DLQ_REASON);
  ack(stage.deadLetterQueue, 'Serverless-SQSRedrivePolicy', DLQ_REASON);
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

/** Acknowledges the accepted findings of one pipeline (called at the end of its constructor). */
export function acknowledgePipelineFindings(pipeline: PipelineParts): void {
  const stack = Stack.of(pipeline);
  const { storage } = pipeline;
  if (storage.accessLogBucket) {
    ack(storage.accessLogBucket, 'AwsSolutions-S1', 'This is the access-log bucket of the upload bucket; logging it to itself would loop.');
  }
  ack(
    storage.idempotencyTable,
    'AwsSolutions-DDB3',
    'Holds only short-lived idempotency markers that expire within hours; there is nothing to restore.',
  );

  const bucket = nagString(pipeline, pipeline.bucket.bucketArn);
  const tableIndexes = `Resource::${nagString(pipeline, pipeline.resultsTable.tableArn)}/index/*`;
  const prefix = (p: string) => `Resource::${bucket}/${p}*`;
  const s3Read = ['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*'];
  acknowledgeFunction(pipeline, pipeline.preprocess.function, [
    ...s3Read,
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    prefix(UPLOADS_PREFIX),
    prefix(PROCESSED_PREFIX),
    tableIndexes,
  ]);
  acknowledgeFunction(pipeline, pipeline.read.function, [
    ...s3Read,
    'Action::s3:DeleteObject*',
    prefix(UPLOADS_PREFIX),
    prefix(PROCESSED_PREFIX),
    tableIndexes,
  ]);
  acknowledgeFunction(pipeline, pipeline.api.function, [
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    prefix(UPLOADS_PREFIX),
    prefix(PROCESSED_PREFIX),
    tableIndexes,
  ]);
  acknowledgeStage(pipeline.preprocess);
  acknowledgeStage(pipeline.read);

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

  for (const route of pipeline.api.httpApi.node.children) {
    if (route instanceof apigw.HttpRoute && route.path !== undefined && PUBLIC_ROUTES.includes(route.path)) {
      ack(route, 'AwsSolutions-APIG4', 'Public by design: health check, API description and the static web page; no data behind them.');
    }
    if (route instanceof apigw.HttpRoute && (route.node.defaultChild as apigw.CfnRoute).routeKey === apigw.HttpRouteKey.DEFAULT.key) {
      ack(route, 'AwsSolutions-APIG4', "Catch-all for the app's JSON 404/405 answers; the app refuses /v1 requests without the authorizer's claims.");
    }
  }

  const userPool = pipeline.api.userPool;
  if (userPool) {
    ack(
      userPool,
      'AwsSolutions-COG8',
      'The Plus feature plan (threat protection) is billed per monthly active user; the invite-only pool with ' +
        'required MFA and a strong password policy keeps the idle cost at zero. Upgrade the plan if needed.',
    );
    const mfa = (userPool.node.defaultChild as cognito.CfnUserPool).mfaConfiguration;
    if (mfa !== 'ON') ack(userPool, 'AwsSolutions-COG2', 'MFA was made optional through the api.userPoolMfa prop by the deployer.');
  }

  if (pipeline.resultEvents) {
    ack(pipeline.resultEvents.deadLetterQueue, 'AwsSolutions-SQS3', DLQ_REASON);
    ack(pipeline.resultEvents.deadLetterQueue, 'Serverless-SQSRedrivePolicy', DLQ_REASON);
    const role = pipeline.resultEvents.node.findChild('PipeRole');
    const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
    ack(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'grantStreamRead: dynamodb:ListStreams has no resource-level permissions; the stream actions themselves are ' +
        "limited to the results table's stream.",
    );
  }
}

/** Findings of the deployable stack's own resources (the alarm topic and its subscription). */
export function acknowledgeStackFindings(resources: { alarmTopic: IConstruct; emailSubscription?: IConstruct }): void {
  ack(
    resources.alarmTopic,
    'AwsSolutions-SNS2',
    'Alarm notifications carry no card data. CloudWatch cannot publish to a topic encrypted with the AWS-managed key, ' +
      'and a customer-managed key would cost $1/month while the stack is idle.',
  );
  if (resources.emailSubscription) {
    ack(
      resources.emailSubscription,
      'Serverless-SNSRedrivePolicy',
      'Email alarm notifications only: a lost mail is tolerable, the alarm state stays visible in CloudWatch.',
    );
  }
}
