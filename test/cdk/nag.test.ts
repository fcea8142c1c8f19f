/**
 * cdk-nag (v3: policy-validation plugins + `Validations.of(...).acknowledge`) with the
 * AwsSolutions and Serverless packs: the stack synthesises with both packs registered (and
 * CDK's built-in CloudFormation validation on, as `cdk synth` runs it), with 0 unacknowledged
 * findings, and every acknowledgment is one of the reviewed list below, with a reason.
 * Modelled on awslabs/cdk-serverless-clamscan's test/CdkNag.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthStack, type Synthesised } from './synth-helpers.js';

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
const BUCKET = '<PipelineUploadBucketB6F6DB3E.Arn>';
const TABLE_INDEXES = 'Resource::<PipelineResultsTable04AD87BA.Arn>/index/*';
const rolePolicy = (fn: string, findingsOfRole: string[]) =>
  [...findingsOfRole, 'Resource::*'].map((f) => `CardOcrNag/Pipeline/${fn}/ServiceRole/DefaultPolicy: AwsSolutions-IAM5[${f}]`);
const functionRules = (fn: string) => [
  `CardOcrNag/Pipeline/${fn}/ServiceRole: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]`,
  `CardOcrNag/Pipeline/${fn}: AwsSolutions-L1`,
  `CardOcrNag/Pipeline/${fn}: Serverless-LambdaLatestVersion`,
  `CardOcrNag/Pipeline/${fn}: Serverless-LambdaDLQ`,
];

/** The reviewed list of accepted findings of the default stack (reasons live in lib/). */
const EXPECTED_ACKNOWLEDGMENTS = [
  'CardOcrNag/AlarmTopic: AwsSolutions-SNS2',
  'CardOcrNag/Pipeline/AccessLogBucket: AwsSolutions-S1',
  'CardOcrNag/Pipeline/IdempotencyTable: AwsSolutions-DDB3',
  'CardOcrNag/Pipeline/PreprocessDeadLetterQueue: AwsSolutions-SQS3',
  'CardOcrNag/Pipeline/PreprocessDeadLetterQueue: Serverless-SQSRedrivePolicy',
  'CardOcrNag/Pipeline/ReadDeadLetterQueue: AwsSolutions-SQS3',
  'CardOcrNag/Pipeline/ReadDeadLetterQueue: Serverless-SQSRedrivePolicy',
  ...functionRules('PreprocessFunction'),
  ...functionRules('ReadFunction'),
  ...functionRules('ApiFunction'),
  ...rolePolicy('PreprocessFunction', [
    ...S3_READ,
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::${BUCKET}/uploads/*`,
    `Resource::${BUCKET}/processed/*`,
    TABLE_INDEXES,
  ]),
  ...rolePolicy('ReadFunction', [
    ...S3_READ,
    'Action::s3:DeleteObject*',
    `Resource::${BUCKET}/uploads/*`,
    `Resource::${BUCKET}/processed/*`,
    TABLE_INDEXES,
  ]),
  ...rolePolicy('ApiFunction', [
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::${BUCKET}/uploads/*`,
    `Resource::${BUCKET}/processed/*`,
    TABLE_INDEXES,
  ]),
  'CardOcrNag/Pipeline/PreprocessFunction/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
  'CardOcrNag/Pipeline/ReadFunction/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
  'CardOcrNag/BucketNotificationsHandler050a0587b7544547bf325f094a3db834: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'CardOcrNag/Pipeline/HttpApi/GET--: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/HttpApi/GET--assets--{proxy+}: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/HttpApi/GET--healthz: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/HttpApi/GET--openapi.json: AwsSolutions-APIG4',
  'CardOcrNag/Pipeline/UserPool: AwsSolutions-COG8',
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

  it('0 findings with every optional feature on (external issuer, DESTROY, alarm email, x86_64)', () => {
    const { app } = synthStack({
      alarmEmail: 'ops@example.com',
      pipeline: {
        architecture: Architecture.X86_64,
        jwtIssuer: 'https://login.example.com/',
        jwtAudience: ['card-api'],
        removalPolicy: RemovalPolicy.DESTROY,
      },
    });
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
