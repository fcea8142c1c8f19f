/**
 * Alarms of the pipeline's constructs: one shape (≥ threshold in one period, missing data
 * not breaching), collected per construct so the pipeline can route them all to one topic.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/** What an alarm watches and says when it fires. */
export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly description: string;
}

/** A set of alarms owned by one construct. */
export class AlarmSet {
  readonly #alarms: cloudwatch.Alarm[] = [];

  constructor(private readonly scope: Construct) {}

  /** Creates `id` in the owner's scope: fires when the metric reaches the threshold in one period. */
  add(id: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, id, {
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: spec.description,
    });
    this.#alarms.push(alarm);
    return alarm;
  }

  /** Every alarm so far. */
  get all(): readonly cloudwatch.IAlarm[] {
    return [...this.#alarms];
  }

  /** Sends ALARM and OK of every alarm to `action`. */
  notify(action: cloudwatch.IAlarmAction): void {
    for (const alarm of this.#alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
