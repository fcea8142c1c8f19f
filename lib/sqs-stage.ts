/**
 * `SqsStage`: one SQS-driven stage of the pipeline — its queue, dead-letter queue, consumer
 * function and the alarms that say when it is stuck. What feeds the queue is the owner's
 * business (an S3 notification for preprocess, the preprocess function for read).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlarmSet } from './alarms.js';
import { ENV, METRICS_NAMESPACE } from './pipeline-env.js';
import { createPipelineFunction, type PipelineFunctionDefaults } from './pipeline-function.js';

/** Tuning of one stage (nested under `preprocess` / `read` in the pipeline props). */
export interface SqsStageOptions {
  /**
   * Memory of the stage function, MB. Lambda CPU grows with memory.
   * @default 1024 (preprocess), 1769 (read: one vCPU)
   */
  readonly memorySize?: number;
  /**
   * Timeout of the stage function; the queue's visibility timeout is 6 × this.
   * @default Duration.seconds(60) (preprocess), Duration.seconds(90) (read)
   */
  readonly timeout?: Duration;
  /**
   * Messages per invocation (1-10).
   * @default 5 (preprocess), 2 (read)
   */
  readonly batchSize?: number;
  /**
   * Maximum concurrent invocations driven by the queue (2-1000). Caps cost and downstream
   * load without reserved concurrency (which would throttle messages into the DLQ early).
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Deliveries before a message moves to the dead-letter queue; on the last one the handler
   * records the scan as `dead_lettered`.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Age of the queue's oldest message that raises the "stuck" alarm.
   * @default Duration.minutes(15)
   */
  readonly maxMessageAge?: Duration;
}

/** Everything a stage is built from (set by {@link CardOcrPipeline}). */
export interface SqsStageProps extends SqsStageOptions {
  /** Which handler consumes the queue. */
  readonly kind: 'preprocess' | 'read';
  readonly description: string;
  /** Environment of the function (the stage adds its own maxReceiveCount). */
  readonly environment: Readonly<Record<string, string>>;
  readonly functionDefaults: PipelineFunctionDefaults;
  /** The kind's defaults for the options left unset. */
  readonly defaults: { readonly memorySize: number; readonly timeout: Duration; readonly batchSize: number };
}

/** Failures (of any code) per 5 minutes that raise a stage's failures alarm. */
export const FAILURES_THRESHOLD = 5;

/** Valid ranges, checked at synth so a wrong value fails before deploy. */
function validate(props: SqsStageProps): void {
  const checks: Array<[string, number | undefined, number, number]> = [
    ['maxConcurrency', props.maxConcurrency, 2, 1000],
    ['batchSize', props.batchSize, 1, 10],
    ['maxReceiveCount', props.maxReceiveCount, 1, 1000],
    ['memorySize', props.memorySize, 128, 10240],
  ];
  for (const [name, value, min, max] of checks) {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new Error(`CardOcrPipeline: ${props.kind}.${name} must be an integer from ${min} to ${max}, got ${value}`);
    }
  }
  const timeout = props.timeout?.toSeconds();
  if (timeout !== undefined && (timeout < 1 || timeout > 900)) {
    throw new Error(`CardOcrPipeline: ${props.kind}.timeout must be 1 s to 15 minutes, got ${timeout} s`);
  }
}

/** One SQS → Lambda stage with a dead-letter queue and its alarms. */
export class SqsStage extends Construct {
  /** The stage's work queue. */
  public readonly queue: sqs.IQueue;
  /** Messages that failed `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The consumer. */
  public readonly function: lambda.IFunction;
  /** DLQ depth, oldest message age, errors, throttles and duration near the timeout. */
  public readonly alarms: AlarmSet;
  /** Deliveries before the dead-letter queue. */
  public readonly maxReceiveCount: number;

  /** The concrete function, for the pipeline's own wiring. */
  readonly #fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: SqsStageProps) {
    super(scope, id);
    validate(props);
    const name = props.kind;
    const timeout = props.timeout ?? props.defaults.timeout;
    this.maxReceiveCount = props.maxReceiveCount ?? 5;

    this.#fn = createPipelineFunction(this, 'Function', props.functionDefaults, {
      kind: props.kind,
      description: props.description,
      memorySize: props.memorySize ?? props.defaults.memorySize,
      timeout,
      environment: { ...props.environment, [ENV.maxReceiveCount]: String(this.maxReceiveCount) },
    });
    this.function = this.#fn;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys: S3 cannot publish to a queue encrypted with the AWS-managed KMS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for Lambda consumers: at least 6 × the function timeout.
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds()),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    this.#fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? props.defaults.batchSize,
        maxConcurrency: props.maxConcurrency ?? 5,
        reportBatchItemFailures: true,
      }),
    );

    const period = Duration.minutes(5);
    this.alarms = new AlarmSet(this);
    this.alarms.add('DlqDepthAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
      threshold: 1,
      description: `Messages in the ${name} dead-letter queue: photos that failed ${this.maxReceiveCount} times.`,
    });
    const maxAge = props.maxMessageAge ?? Duration.minutes(15);
    this.alarms.add('OldestMessageAlarm', {
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period }),
      threshold: maxAge.toSeconds(),
      description: `The ${name} queue's oldest message is over ${maxAge.toHumanString()} old: the stage is stuck or too slow.`,
    });
    this.alarms.add('ErrorsAlarm', {
      metric: this.#fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      description: `The ${name} function failed (uncaught error or timeout).`,
    });
    // The handlers' own `Failures` metric (dimensions stage, service, errorCode), summed over
    // every error code with a Metrics Insights query: any reason a scan failed, bad input included.
    this.alarms.add('FailuresAlarm', {
      metric: new cloudwatch.MathExpression({
        expression: `SELECT SUM(Failures) FROM "${METRICS_NAMESPACE}" WHERE stage = '${name}'`,
        period,
        label: `${name} failures`,
      }),
      threshold: FAILURES_THRESHOLD,
      description: `${FAILURES_THRESHOLD} or more ${name} failures (any error code) in 5 minutes.`,
    });
    this.alarms.add('ThrottlesAlarm', {
      metric: this.#fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      description: `The ${name} function was throttled: the account's concurrency is exhausted.`,
    });
    this.alarms.add('DurationAlarm', {
      metric: this.#fn.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: Math.round(timeout.toMilliseconds() * 0.8),
      description: `An invocation of the ${name} function ran over 80% of its ${timeout.toSeconds()} s timeout.`,
    });
  }

  /** Lets `grantee` send messages to this stage's queue. */
  public grantSendMessages(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }

  /** Adds an environment variable to the stage function. */
  public addEnvironment(key: string, value: string): void {
    this.#fn.addEnvironment(key, value);
  }
}
