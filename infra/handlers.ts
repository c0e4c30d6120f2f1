import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../shared/metric-names.js';
import type { HandlerCode } from './handler-code.js';
import { HandlerFunction } from './handler-function.js';
import { needsOf } from './handler-needs.js';
import type { KeyRing } from './key-ring.js';
import type { MeChannel } from './me-channel.js';
import type { ProviderSettings } from './provider-settings.js';
import type { Storage } from './storage.js';

export interface HandlersProps {
  /** Handler folders under `functions/`, each deployed once however many routes it serves. */
  handlers: readonly string[];
  /** Handlers every route of which is public: they get `publicReservedConcurrency`. */
  publicHandlers?: ReadonlySet<string>;
  code: HandlerCode;
  environment: string;
  publicApiUrl: string;
  /** `CALLBACK_BASE_URL`; absent: each handler uses PUBLIC_API_URL. */
  callbackBaseUrl?: string;
  storage: Storage;
  keyRing: KeyRing;
  providers: ProviderSettings;
  meChannel: MeChannel;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Powertools log level. @default 'INFO' */
  logLevel?: LogLevelName;
  /** @default 512 */
  memorySize?: number;
  /** @default - none */
  publicReservedConcurrency?: number;
  /** Active X-Ray tracing and Powertools Tracer. @default false */
  tracing?: boolean;
  /** SUCCESS_URL. @default - the broker's own success page */
  successUrl?: string;
  /** ERROR_URL. @default - the broker's own error page */
  errorUrl?: string;
}

export type LogLevelName = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What every function gets, runtime or not: Powertools' service, namespace, log level and tracing switch. */
export function observabilityEnvironment(options: { environment: string; logLevel?: LogLevelName; tracing?: boolean }): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
    POWERTOOLS_TRACE_ENABLED: options.tracing ? 'true' : 'false',
    RUN_TIME_ENVIRONMENT: options.environment,
  };
}


/**
 * The environment's Lambda functions, one per handler folder, each given the environment variables and the
 * permissions its entry in `HANDLER_NEEDS` names, and nothing else.
 *
 * @example
 * const handlers = new Handlers(this, 'Handlers', { handlers: ['web-pages'], ... });
 * handlers.get('web-pages');
 */
export class Handlers extends Construct {
  private readonly functions = new Map<string, HandlerFunction>();

  constructor(scope: Construct, id: string, props: HandlersProps) {
    super(scope, id);
    for (const handler of new Set(props.handlers)) {
      const needs = needsOf(handler);
      const environment: Record<string, string> = observabilityEnvironment(props);
      const readsKeys = Boolean(needs.keys);
      if (readsKeys) environment.HANDSHAKE_KEYS_PARAMETER = props.keyRing.parameterName;
      if (needs.runtime) {
        Object.assign(environment, {
          PUBLIC_API_URL: props.publicApiUrl,
          TABLE_NAME: props.storage.tableName,
          ...(props.callbackBaseUrl ? { CALLBACK_BASE_URL: props.callbackBaseUrl } : {}),
          ...(props.successUrl ? { SUCCESS_URL: props.successUrl } : {}),
          ...(props.errorUrl ? { ERROR_URL: props.errorUrl } : {}),
          ...(needs.runtime.providers ? { PROVIDERS_PARAMETER_PATH: props.providers.path } : {}),
          ...(needs.runtime.publishes || needs.runtime.closes ? { MECHANNEL_ENDPOINT: props.meChannel.endpoint } : {}),
        });
      }
      const fn = new HandlerFunction(this, constructId(handler), {
        handler,
        code: props.code,
        environment,
        timeout: Duration.seconds(needs.timeoutSeconds),
        memorySize: props.memorySize,
        tracing: props.tracing,
        ...(props.publicHandlers?.has(handler) && props.publicReservedConcurrency !== undefined ? { reservedConcurrency: props.publicReservedConcurrency } : {}),
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
      });
      if (readsKeys) props.keyRing.grantRead(fn.role);
      if (needs.runtime) {
        props.storage.grant(fn.role, ...needs.runtime.table);
        if (needs.runtime.providers) props.providers.grantRead(fn.role);
        if (needs.runtime.publishes) props.meChannel.grantPublish(fn.role);
        if (needs.runtime.closes) props.meChannel.grantClose(fn.role);
      }
      this.functions.set(handler, fn);
    }
  }

  get(handler: string): IFunction {
    const fn = this.functions.get(handler);
    if (!fn) throw new Error(`no function for handler ${handler}`);
    return fn.function;
  }

  /** handler folder → its function, in deployment order. */
  get all(): ReadonlyMap<string, HandlerFunction> {
    return this.functions;
  }
}

/** `provider-auth-code` → `ProviderAuthCode`: a handler folder as a construct id. */
export function constructId(handler: string): string {
  return handler
    .split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}
