/**
 * cdk-nag (v3: policy-validation plugins + `Validations.of(...).acknowledge`) with the
 * AwsSolutions and Serverless packs: the stack synthesises with both packs registered (and
 * CDK's built-in CloudFormation validation on, as `cdk synth` runs it), with 0 unacknowledged
 * findings, and every acknowledgment is one of the reviewed list below, with a reason.
 * Modelled on awslabs/cdk-serverless-clamscan's test/CdkNag.test.ts. The acknowledgments themselves
 * live in lib/nag-acknowledgements.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { CardOcrPipeline } from '../../lib/card-ocr-pipeline.js';
import { synthStack, testApp, type Synthesised } from './synth-helpers.js';

const packs = (): NagPack[] => [new AwsSolutionsChecks(), new ServerlessChecks()];

/** `severity rule @ path` for every finding the packs report on the tree. */
function findings(root: IConstruct): string[] {
  return packs().flatMap((pack) =>
    pack
      .validateScope(root)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} @ ${r.constructPath ?? '?'}`)),
  );
}

/** Every acknowledgment recorded in the tree: `path: ruleId` → reason. */
function acknowledgments(root: IConstruct): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        // Event source ids embed a hash of the queue path: keep the list readable.
        const path = c.node.path.replace(/SqsEventSource:[^/]+$/, 'SqsEventSource');
        out.set(`${path}: ${id.replace(/^annotation::/i, '')}`, reason);
      }
    }
  }
  return out;
}

const S3_READ = ['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*'];
const BUCKET = '<PipelineStorageUploadBucket3AAD8DE0.Arn>';
const TABLE_INDEXES = 'Resource::<PipelineStorageResultsTableE8E64E81.Arn>/index/*';
const rolePolicy = (fn: string, findingsOfRole: string[]) =>
  findingsOfRole.map((f) => `CardOcrNag/Pipeline/${fn}/Function/ServiceRole/DefaultPolicy: AwsSolutions-IAM5[${f}]`);
const functionRules = (fn: string) => [
  `CardOcrNag/Pipeline/${fn}/Function/ServiceRole: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
  `CardOcrNag/Pipeline/${fn}/Function: AwsSolutions-L1`,
  `CardOcrNag/Pipeline/${fn}/Function: Serverless-LambdaLatestVersion`,
  `CardOcrNag/Pipeline/${fn}/Function: Serverless-LambdaDLQ`,
  // X-Ray is off by default (cost); with `tracing: true` this becomes IAM5[Resource::*].
  `CardOcrNag/Pipeline/${fn}/Function: Serverless-LambdaTracing`,
];

/** The reviewed list of accepted findings of the default stack (reasons live in lib/nag-acknowledgements.ts). */
const EXPECTED_ACKNOWLEDGMENTS = [
  'CardOcrNag/AlarmTopic: AwsSolutions-SNS2',
  'CardOcrNag/Pipeline/Storage/AccessLogBucket: AwsSolutions-S1',
  'CardOcrNag/Pipeline/Storage/IdempotencyTable: AwsSolutions-DDB3',
  'CardOcrNag/Pipeline/Preprocess/DeadLetterQueue: AwsSolutions-SQS3',
  'CardOcrNag/Pipeline/Preprocess/DeadLetterQueue: Serverless-SQSRedrivePolicy',
  'CardOcrNag/Pipeline/Read/DeadLetterQueue: AwsSolutions-SQS3',
  'CardOcrNag/Pipeline/Read/DeadLetterQueue: Serverless-SQSRedrivePolicy',
  ...functionRules('Preprocess'),
  ...functionRules('Read'),
  ...functionRules('Api'),
  ...rolePolicy('Preprocess', [
    ...S3_READ,
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::${BUCKET}/uploads/*`,
    `Resource::${BUCKET}/processed/*`,
    TABLE_INDEXES,
  ]),
  ...rolePolicy('Read', [
    ...S3_READ,
    'Action::s3:DeleteObject*',
    `Resource::${BUCKET}/uploads/*`,
    `Resource::${BUCKET}/processed/*`,
    TABLE_INDEXES,
  ]),
  ...rolePolicy('Api', [
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::${BUCKET}/uploads/*`,
    `Resource::${BUCKET}/processed/*`,
    TABLE_INDEXES,
  ]),
  'CardOcrNag/Pipeline/Preprocess/Function/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
  'CardOcrNag/Pipeline/Read/Function/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
  'CardOcrNag/BucketNotificationsHandler050a0587b7544547bf325f094a3db834: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'CardOcrNag/Pipeline/Api/HttpApi/DefaultRoute: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/Api/HttpApi/GET--: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/Api/HttpApi/GET--assets--{proxy+}: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/Api/HttpApi/GET--healthz: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/Api/HttpApi/GET--openapi.json: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/Api/UserPool: AwsSolutions-COG8',
  'CardOcrNag/Pipeline/Results/PipeRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'CardOcrNag/Pipeline/Results/DeadLetterQueue: AwsSolutions-SQS3',
  'CardOcrNag/Pipeline/Results/DeadLetterQueue: Serverless-SQSRedrivePolicy',
].sort();

describe('cdk-nag AwsSolutions + Serverless', () => {
  let synthesised: Synthesised;

  beforeAll(() => {
    // Registering the packs before synthesis: synthesis throws on any unacknowledged finding.
    synthesised = synthStack({}, { builtinValidation: true, stackName: 'CardOcrNag', configureApp: registerPacks });
  });

  it('synthesises with both packs registered and CloudFormation validation on', () => {
    expect(Object.keys(synthesised.template.toJSON().Resources as object).length).toBeGreaterThan(40);
  });

  it('0 unacknowledged findings (errors or warnings) in the default stack', () => {
    expect(findings(synthesised.app)).toEqual([]);
  });

  it('every acknowledgment is on the reviewed list and has a written reason', () => {
    const acks = acknowledgments(synthesised.app);
    expect([...acks.keys()].sort()).toEqual(EXPECTED_ACKNOWLEDGMENTS);
    for (const [where, reason] of acks) {
      expect(reason.length, where).toBeGreaterThanOrEqual(30);
    }
  });

  it('0 findings with every optional feature on (external issuer, DESTROY, alarm email, x86_64, tracing, optional MFA)', () => {
    const { app } = synthStack({
      alarmEmail: 'ops@example.com',
      pipeline: {
        architecture: Architecture.X86_64,
        api: { jwt: { issuer: 'https://login.example.com/', audience: ['card-api'] } },
        removalPolicy: RemovalPolicy.DESTROY,
        tracing: true,
      },
    });
    expect(findings(app)).toEqual([]);
    const acks = acknowledgments(app);
    // Tracing on: the X-Ray wildcard replaces the tracing finding, with its own reason.
    expect(acks.get('CardOcrTest/Pipeline/Read/Function/ServiceRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]')).toMatch(/X-Ray/);
    expect(acks.has('CardOcrTest/Pipeline/Read/Function: Serverless-LambdaTracing')).toBe(false);
    const optionalMfa = synthStack({ pipeline: { api: { userPoolMfa: cognito.Mfa.OPTIONAL } } });
    expect(findings(optionalMfa.app)).toEqual([]);
    expect(acknowledgments(optionalMfa.app).get('CardOcrTest/Pipeline/Api/UserPool: AwsSolutions-COG2')).toMatch(/userPoolMfa/);
  });

  it('0 findings with a brought bucket and results table (imported by name and ARN)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Byo');
    const bucket = s3.Bucket.fromBucketName(stack, 'Photos', 'my-card-photos');
    const table = dynamodb.Table.fromTableAttributes(stack, 'Results', {
      tableName: 'my-card-results',
      tableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/my-card-results/stream/2026-01-01T00:00:00.000',
      globalIndexes: ['by-status', 'by-key', 'by-created'],
    });
    new CardOcrPipeline(stack, 'Pipeline', { storage: { bucket, resultsTable: table } });
    Template.fromStack(stack);
    expect(findings(app)).toEqual([]);
  });

  it('the packs do report findings (the check is not vacuous)', () => {
    const app = new App();
    const stack = new Stack(app, 'Plain');
    new s3.Bucket(stack, 'Bucket');
    const found = findings(app);
    expect(found).toContain('error AwsSolutions-S1 @ Plain/Bucket/Resource');
    expect(found).toContain('error AwsSolutions-S10 @ Plain/Bucket/Resource');
    expect(() => {
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      Template.fromStack(stack);
    }).toThrow(/AwsSolutions-S10/);
  });
});

function registerPacks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
