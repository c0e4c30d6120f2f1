import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  TextWidget,
  TreatMissingData,
  AlarmStatusWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from '../shared/metric-names.js';
import { constructId } from './handlers.js';

/** The names shared/metrics.ts emits (EMF), each also under the dimensions `service` and `environment` alone. */
export const HANDSHAKE_METRICS = METRIC_NAMES;

/** Above this share of failed handshakes (out of at least `MIN_HANDSHAKES` in the period) someone should look. */
export const HANDSHAKE_FAILURE_PERCENT = 25;
const MIN_HANDSHAKES = 10;
/** Above this share of 5xx answers of the HTTP API (out of at least `MIN_REQUESTS`). */
export const API_5XX_PERCENT = 5;
const MIN_REQUESTS = 20;

const PERIOD = Duration.minutes(5);

export interface BrokerMonitoringProps {
  environment: string;
  functions: readonly { handler: string; function: IFunction }[];
  httpApi: HttpApi;
  table?: ITableV2;
  alarmTopic?: ITopic;
  /** The environment's own handshake metrics (the auth origin emits none). */
  handshakeMetrics: boolean;
  /** @default `handshake-<environment>` */
  dashboardName?: string;
}

/**
 * Alarms and one dashboard: every function's errors and throttles, the HTTP API's 5xx rate, the handshake
 * failure rate and DynamoDB throttling, each notifying `alarmTopic` on ALARM and OK. Missing data is not
 * breaching: a quiet branch stack stays green.
 */
export class BrokerMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  private readonly topic?: ITopic;

  constructor(scope: Construct, id: string, props: BrokerMonitoringProps) {
    super(scope, id);
    this.topic = props.alarmTopic;
    const env = props.environment;
    const handshake = (metricName: string, statistic = 'Sum') =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: METRICS_SERVICE, environment: env }, statistic, period: PERIOD });

    for (const { handler, function: fn } of props.functions) {
      this.alarm(`${constructId(handler)}Errors`, fn.metricErrors({ period: PERIOD }), 1, `handshake ${env}: ${handler} failed (an unhandled error or a timeout)`);
      this.alarm(`${constructId(handler)}Throttles`, fn.metricThrottles({ period: PERIOD }), 1, `handshake ${env}: ${handler} was throttled`);
    }
    const requests = props.httpApi.metricCount({ period: PERIOD, statistic: 'Sum' });
    const serverErrors = props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum' });
    const api5xxRate = new MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors: serverErrors },
      label: 'HTTP API 5xx %',
      period: PERIOD,
    });
    this.alarm('Api5xxRate', api5xxRate, API_5XX_PERCENT, `handshake ${env}: more than ${API_5XX_PERCENT}% of HTTP API answers are 5xx`);

    let failureRate: MathExpression | undefined;
    if (props.handshakeMetrics) {
      failureRate = new MathExpression({
        expression: `IF(completed + failed >= ${MIN_HANDSHAKES}, 100 * failed / (completed + failed), 0)`,
        usingMetrics: { completed: handshake(HANDSHAKE_METRICS.completed), failed: handshake(HANDSHAKE_METRICS.failed) },
        label: 'handshakes failed %',
        period: PERIOD,
      });
      this.alarm('HandshakeFailureRate', failureRate, HANDSHAKE_FAILURE_PERCENT, `handshake ${env}: more than ${HANDSHAKE_FAILURE_PERCENT}% of handshakes fail`);
    }
    let tableThrottles: MathExpression | undefined;
    if (props.table) {
      tableThrottles = new MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: props.table.metric('ReadThrottleEvents', { period: PERIOD, statistic: 'Sum' }),
          writes: props.table.metric('WriteThrottleEvents', { period: PERIOD, statistic: 'Sum' }),
        },
        label: 'DynamoDB throttled requests',
        period: PERIOD,
      });
      this.alarm('TableThrottles', tableThrottles, 1, `handshake ${env}: DynamoDB throttled requests of the table`);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName ?? `handshake-${env}` });
    this.dashboard.addWidgets(new TextWidget({ markdown: `# handshake ${env}`, width: 24, height: 1 }));
    if (props.handshakeMetrics) {
      this.dashboard.addWidgets(
        graph('Handshakes', [handshake(HANDSHAKE_METRICS.started), handshake(HANDSHAKE_METRICS.completed), handshake(HANDSHAKE_METRICS.failed)]),
        graph('Claim latency (ms)', ['p50', 'p90', 'p99'].map((statistic) => handshake(HANDSHAKE_METRICS.claimLatency, statistic).with({ label: statistic }))),
        graph('Me-channel deliveries', [handshake(HANDSHAKE_METRICS.delivered), handshake(HANDSHAKE_METRICS.gone).with({ label: 'gone (410)' }), handshake(HANDSHAKE_METRICS.deliveryFailed)]),
        graph('Token refreshes', [handshake(HANDSHAKE_METRICS.refreshed), handshake(HANDSHAKE_METRICS.refreshFailed)]),
      );
    }
    this.dashboard.addWidgets(
      graph('HTTP API', [requests.with({ label: 'requests' }), props.httpApi.metricClientError({ period: PERIOD, statistic: 'Sum' }).with({ label: '4xx' }), serverErrors.with({ label: '5xx' })]),
      graph('Function errors', props.functions.map(({ handler, function: fn }) => fn.metricErrors({ period: PERIOD }).with({ label: handler }))),
      graph('Function throttles', props.functions.map(({ handler, function: fn }) => fn.metricThrottles({ period: PERIOD }).with({ label: handler }))),
      graph('Rates and throttling', [api5xxRate, ...(failureRate ? [failureRate] : []), ...(tableThrottles ? [tableThrottles] : [])]),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
    }
    this.alarms.push(alarm);
  }
}

const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: 12, height: 6 });
