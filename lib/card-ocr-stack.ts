/**
 * The deployable stack: one {@link CardOcrPipeline}, an alarm topic and the outputs a user
 * needs after `cdk deploy`. Environment-agnostic (no account or region baked in), so
 * `cdk synth` needs no credentials.
 */
import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CardOcrPipeline, type CardOcrPipelineProps } from './card-ocr-pipeline.js';

export interface CardOcrStackProps extends StackProps {
  /**
   * Settings of the pipeline (architecture, memory, concurrency, retention, origins, auth...).
   * `alarmTopic` is set by the stack.
   * @default - the construct's defaults
   */
  readonly pipeline?: Omit<CardOcrPipelineProps, 'alarmTopic'>;
  /**
   * Email address subscribed to the alarm topic (AWS sends a confirmation mail first).
   * @default - no subscription; the topic can be subscribed to later
   */
  readonly alarmEmail?: string;
}

export class CardOcrStack extends Stack {
  public readonly pipeline: CardOcrPipeline;
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: CardOcrStackProps = {}) {
    super(scope, id, {
      description: 'Card OCR pipeline: S3 + SQS + Lambda (sharp, tesseract.js) + DynamoDB + HTTP API',
      ...props,
    });

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Card OCR alarms', enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no card data. CloudWatch cannot publish to a topic encrypted with the AWS-managed key, ' +
        'and a customer-managed key would cost $1/month while the stack is idle.',
    });
    if (props.alarmEmail) {
      const subscription = this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'Email alarm notifications only: a lost mail is tolerable, the alarm state stays visible in CloudWatch.',
      });
    }

    this.pipeline = new CardOcrPipeline(this, 'Pipeline', { ...props.pipeline, alarmTopic: this.alarmTopic });

    const outputs: Array<[string, string, string]> = [
      ['ApiUrl', this.pipeline.apiStage.url, 'Base URL of the HTTP API (append v1/scans, healthz, openapi.json)'],
      ['BucketName', this.pipeline.bucket.bucketName, 'Upload bucket: put photos under uploads/'],
      ['TableName', this.pipeline.table.tableName, 'DynamoDB table of scan records'],
      ['AlarmTopicArn', this.alarmTopic.topicArn, 'SNS topic of the pipeline alarms'],
      ['PreprocessDeadLetterQueueUrl', this.pipeline.preprocess.deadLetterQueue.queueUrl, 'Photos that failed preprocessing'],
      ['ReadDeadLetterQueueUrl', this.pipeline.read.deadLetterQueue.queueUrl, 'Photos that failed reading'],
    ];
    if (this.pipeline.userPool && this.pipeline.userPoolClient) {
      outputs.push(
        ['UserPoolId', this.pipeline.userPool.userPoolId, 'Cognito user pool of the API users'],
        ['UserPoolClientId', this.pipeline.userPoolClient.userPoolClientId, 'Cognito app client id (JWT audience)'],
      );
    }
    for (const [name, value, description] of outputs) new CfnOutput(this, name, { value, description });
  }
}
