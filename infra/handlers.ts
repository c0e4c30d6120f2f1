import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function';
import { needsOf } from './handler-needs';
import type { KeyRing } from './key-ring';
import type { MeChannel } from './me-channel';
import type { ProviderSettings } from './provider-settings';
import type { Storage } from './storage';

export interface HandlersProps {
  /** Handler folders under `functions/`, each deployed once however many routes it serves. */
  handlers: readonly string[];
  projectRoot: string;
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
      const environment: Record<string, string> = {};
      const readsKeys = Boolean(needs.keys);
      if (readsKeys || needs.runtime) environment.RUN_TIME_ENVIRONMENT = props.environment;
      if (readsKeys) environment.HANDSHAKE_KEYS_PARAMETER = props.keyRing.parameterName;
      if (needs.runtime) {
        Object.assign(environment, {
          PUBLIC_API_URL: props.publicApiUrl,
          TABLE_NAME: props.storage.tableName,
          ...(props.callbackBaseUrl ? { CALLBACK_BASE_URL: props.callbackBaseUrl } : {}),
          ...(needs.runtime.providers ? { PROVIDERS_PARAMETER_PATH: props.providers.path } : {}),
          ...(needs.runtime.publishes || needs.runtime.closes ? { MECHANNEL_ENDPOINT: props.meChannel.endpoint } : {}),
        });
      }
      const fn = new HandlerFunction(this, constructId(handler), {
        handler,
        projectRoot: props.projectRoot,
        environment,
        timeout: Duration.seconds(needs.timeoutSeconds),
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

/** `provider-auth-code` → `ProviderAuthCode`. */
function constructId(handler: string): string {
  return handler
    .split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}
