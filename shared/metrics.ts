import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ErrorCode } from './errors';
import { METRIC_NAMES as NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from './metric-names';
import type { PublishReport } from './me-channel';
import type { Flow } from './state';
import type { HandshakeMode } from './stores/handshakes';

/**
 * What a handshake metric is broken down by. Only bounded values: a catalog provider id, the flow, the mode
 * (and for failures a SPEC code). Never a user id, a token or a host: each would be a metric of its own
 * (CloudWatch bills per dimension combination), and an enterprise host can be a private name.
 */
export interface HandshakeKind {
  provider: string;
  flow: Flow;
  mode: HandshakeMode;
}

/**
 * The service's metrics (the CDK alarms and dashboard use these names verbatim). Every metric is emitted
 * under `[service, environment]`, which an alarm can use without knowing the providers, and under its
 * detailed set: `[service, environment, provider, flow, mode]` (failures add `errorCode`; refreshes have
 * `[service, environment, provider]`; the me-channel counts have only the first).
 *
 * @example
 * rt.metrics.handshakeStarted({ provider: 'github', flow: 'connect', mode: 'loopback' });
 * // ... and once, as the invocation ends (the route wrappers do this):
 * rt.metrics.flush();
 */
export interface HandshakeMetrics {
  /** `HandshakeStarted` (Count): `POST /provider-auth-code` created a handshake. */
  handshakeStarted(kind: HandshakeKind): void;
  /** `HandshakeCompleted` (Count): the first successful claim committed it. */
  handshakeCompleted(kind: HandshakeKind): void;
  /** `HandshakeFailed` (Count): the handshake ended failed, with the code the person was shown. */
  handshakeFailed(kind: HandshakeKind & { errorCode: ErrorCode }): void;
  /** `ClaimLatency` (Milliseconds): one successful claim request, from its start to its answer. */
  claimLatency(kind: HandshakeKind, ms: number): void;
  /** `MeChannelDelivered`, `MeChannelGone` (410: the connection was forgotten), `MeChannelFailed` (Count). */
  meChannelPublished(report: PublishReport): void;
  /** `TokenRefreshed` (Count): a stored token was refreshed and stored. */
  tokenRefreshed(provider: string): void;
  /** `TokenRefreshFailed` (Count): the provider refused the refresh or could not be reached. */
  tokenRefreshFailed(provider: string): void;
  /** Writes what was recorded since the last flush; the handler wrappers call it once per invocation. */
  flush(): void;
}

export { METRICS_NAMESPACE, METRICS_SERVICE };

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
type Detail = Record<string, string>;
interface Recorded {
  detail?: Detail;
  values: { name: string; unit: Unit; value: number }[];
}

/** Records through calls named after what happened; the backends only store and write. */
abstract class RecordingMetrics implements HandshakeMetrics {
  protected abstract record(name: string, unit: Unit, value: number, detail?: Detail): void;
  abstract flush(): void;

  handshakeStarted(kind: HandshakeKind) {
    this.record(NAMES.started, MetricUnit.Count, 1, handshakeDetail(kind));
  }
  handshakeCompleted(kind: HandshakeKind) {
    this.record(NAMES.completed, MetricUnit.Count, 1, handshakeDetail(kind));
  }
  handshakeFailed(kind: HandshakeKind & { errorCode: ErrorCode }) {
    this.record(NAMES.failed, MetricUnit.Count, 1, { ...handshakeDetail(kind), errorCode: kind.errorCode });
  }
  claimLatency(kind: HandshakeKind, ms: number) {
    this.record(NAMES.claimLatency, MetricUnit.Milliseconds, Math.round(ms), handshakeDetail(kind));
  }
  meChannelPublished(report: PublishReport) {
    this.record(NAMES.delivered, MetricUnit.Count, report.delivered);
    this.record(NAMES.gone, MetricUnit.Count, report.gone);
    this.record(NAMES.deliveryFailed, MetricUnit.Count, report.failed);
  }
  tokenRefreshed(provider: string) {
    this.record(NAMES.refreshed, MetricUnit.Count, 1, { provider });
  }
  tokenRefreshFailed(provider: string) {
    this.record(NAMES.refreshFailed, MetricUnit.Count, 1, { provider });
  }
}

/** Built field by field, so that nothing but these three can become a dimension. */
const handshakeDetail = (kind: HandshakeKind): Detail => ({ provider: kind.provider, flow: kind.flow, mode: kind.mode });

/**
 * Metrics as CloudWatch embedded metric format (EMF) lines on stdout, through Powertools Metrics. EMF gives
 * every metric of one record the same dimensions, so what an invocation recorded is written as one record
 * per detailed dimension set: its `[service, environment]` set and the detailed one, then its values.
 * Powertools writes nothing when POWERTOOLS_METRICS_DISABLED is true (or POWERTOOLS_DEV is set without it).
 */
export class PowertoolsMetrics extends RecordingMetrics {
  private readonly pending = new Map<string, Recorded>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    super();
  }

  protected record(name: string, unit: Unit, value: number, detail?: Detail) {
    const key = detail ? JSON.stringify(Object.entries(detail)) : '';
    let recorded = this.pending.get(key);
    if (!recorded) this.pending.set(key, (recorded = { ...(detail ? { detail } : {}), values: [] }));
    recorded.values.push({ name, unit, value });
  }

  flush() {
    // Taken and cleared first: whatever happens below, nothing is written twice.
    const records = [...this.pending.values()];
    this.pending.clear();
    for (const { detail, values } of records) {
      try {
        // addDimensions starts a dimension set over the default dimensions; the empty one is [service, environment].
        this.metrics.addDimensions({});
        if (detail) this.metrics.addDimensions(detail);
        for (const { name, unit, value } of values) this.metrics.addMetric(name, unit, value);
        this.metrics.publishStoredMetrics();
      } catch (err) {
        // Metrics never fail the request they describe; what was half added is not carried into the next record.
        this.metrics.clearMetrics();
        this.metrics.clearDimensions();
        this.logger?.warn('metrics not written', { errorName: (err as Error).name, errorMessage: String((err as Error).message).slice(0, 200) });
      }
    }
  }
}

/**
 * The service's Powertools metrics for an environment: namespace `namespace` (runtimeFromEnv passes
 * POWERTOOLS_METRICS_NAMESPACE; default `Handshake`), service `handshake`, default dimension `environment`.
 * Powertools' own warnings go to `logger`.
 */
export function powertoolsMetrics(options: { environment: string; namespace?: string; logger?: Logger }): PowertoolsMetrics {
  return new PowertoolsMetrics(
    new Metrics({
      namespace: options.namespace || METRICS_NAMESPACE,
      serviceName: METRICS_SERVICE,
      defaultDimensions: { environment: options.environment },
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    options.logger,
  );
}

/** Records nothing: the default of a runtime built from parts (tests), so their output stays the flows' logs. */
export const noMetrics: HandshakeMetrics = {
  handshakeStarted: () => undefined,
  handshakeCompleted: () => undefined,
  handshakeFailed: () => undefined,
  claimLatency: () => undefined,
  meChannelPublished: () => undefined,
  tokenRefreshed: () => undefined,
  tokenRefreshFailed: () => undefined,
  flush: () => undefined,
};
