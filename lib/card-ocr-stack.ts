/**
 * The deployable stack: one {@link CardOcrPipeline}, an alarm topic and the outputs a user
 * needs after `cdk deploy`. Environment-agnostic (no account or region baked in), so
 * `cdk synth` needs no credentials.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CardOcrPipeline, type CardOcrPipelineProps } from './card-ocr-pipeline.js';
import { acknowledgeStackFindings } from './nag-acknowledgements.js';

export interface CardOcrStackProps extends StackProps {
  /**
   * Settings of the pipeline (architecture, stages, API, storage, retention...).
   * `alarmTopic` is set by the stack.
   * @default - the construct's defaults
   */
  readonly pipeline?: Omit<CardOcrPipelineProps, 'alarmTopic'>;
  /**
   * Email address subscribed to the alarm topic (AWS sends a confirmation mail first).
   * @default - no subscription; the topic can be subscribed to later
   */
  readonly alarmEmail?: string;
  /**
   * Monthly cost budget, USD, alerting the alarm topic at 80 % of actual and 100 % of
   * forecast spend. It covers the whole account's cost (a budget filtered on a stack tag sees
   * nothing until that tag is activated for cost allocation, which would silence it). 0 turns
   * it off.
   * @default 50
   */
  readonly monthlyBudgetUsd?: number;
}

/** The `CardOcr` stack of `bin/app.ts`: the pipeline, its alarm topic and budget, and the outputs. */
export class CardOcrStack extends Stack {
  /** The pipeline construct (storage, stages, API, result events). */
  public readonly pipeline: CardOcrPipeline;
  /** Receives every alarm's ALARM and OK, and the budget alerts. */
  public readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: CardOcrStackProps = {}) {
    super(scope, id, {
      description: 'Card OCR pipeline: S3 + SQS + Lambda (sharp, onnxruntime, tesseract.js) + DynamoDB + HTTP API',
      ...props,
    });

    const alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Card OCR alarms', enforceSSL: true });
    this.alarmTopic = alarmTopic;
    const emailSubscription = props.alarmEmail ? alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail)) : undefined;
    acknowledgeStackFindings({ alarmTopic, ...(emailSubscription ? { emailSubscription } : {}) });

    this.pipeline = new CardOcrPipeline(this, 'Pipeline', { ...props.pipeline, alarmTopic });

    const budgetUsd = props.monthlyBudgetUsd ?? 50;
    if (!(Number.isFinite(budgetUsd) && budgetUsd >= 0)) {
      throw new Error(`CardOcrStack: monthlyBudgetUsd must be a non-negative number of USD (0 turns the budget off), got ${budgetUsd}`);
    }
    if (budgetUsd > 0) {
      // AWS Budgets publishes to the topic as a service principal of this account only.
      alarmTopic.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
          actions: ['SNS:Publish'],
          resources: [alarmTopic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
      const subscribers = [{ subscriptionType: 'SNS', address: alarmTopic.topicArn }];
      new budgets.CfnBudget(this, 'MonthlyBudget', {
        budget: {
          budgetName: `${this.stackName}-monthly`,
          budgetType: 'COST',
          timeUnit: 'MONTHLY',
          budgetLimit: { amount: budgetUsd, unit: 'USD' },
        },
        notificationsWithSubscribers: [
          {
            notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' },
            subscribers,
          },
          {
            notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' },
            subscribers,
          },
        ],
      });
    }

    const p = this.pipeline;
    const outputs: Array<[string, string, string]> = [
      ['ApiUrl', p.api.url, 'Base URL of the HTTP API (append v1/scans, healthz, openapi.json)'],
      ['BucketName', p.bucket.bucketName, 'Upload bucket: put photos under uploads/'],
      ['TableName', p.resultsTable.tableName, 'DynamoDB table of scan records'],
      ['AlarmTopicArn', alarmTopic.topicArn, 'SNS topic of the pipeline alarms'],
      ['PreprocessDeadLetterQueueUrl', p.preprocess.deadLetterQueue.queueUrl, 'Photos that failed preprocessing'],
      ['ReadDeadLetterQueueUrl', p.read.deadLetterQueue.queueUrl, 'Photos that failed reading'],
    ];
    if (p.resultBus) outputs.push(['ResultBusName', p.resultBus.eventBusName, 'EventBridge bus of the "Scan Finished" events']);
    if (p.api.userPool && p.api.userPoolClient) {
      outputs.push(
        ['UserPoolId', p.api.userPool.userPoolId, 'Cognito user pool of the API users'],
        ['UserPoolClientId', p.api.userPoolClient.userPoolClientId, 'Cognito app client id (JWT audience)'],
      );
    }
    for (const [name, value, description] of outputs) new CfnOutput(this, name, { value, description });
  }
}
