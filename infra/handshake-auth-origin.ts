import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AUTH_ORIGIN_ROUTES } from '../shared/routing/auth-origin-routes.js';
import { ENVIRONMENT_REGISTRY_PREFIX } from './environment-registry.js';
import { defaultHandlerCode, type HandlerCode } from './handler-code.js';
import { HandlerFunction } from './handler-function.js';
import type { BrokerDomain } from './handshake-broker.js';
import { constructId, observabilityEnvironment, type LogLevelName } from './handlers.js';
import { HttpRoutes } from './http-routes.js';
import { BrokerMonitoring } from './monitoring.js';

export interface HandshakeAuthOriginProps {
  /** Its own name, so the one callback registered with shared OAuth apps never changes. @default - the execute-api host */
  readonly domain?: Omit<BrokerDomain, 'meChannelDomainName'>;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: LogLevelName;
  /** Memory of each function, in MB. @default 512 */
  readonly memorySize?: number;
  /** Reserved concurrency of each function (all its routes are public). @default - none */
  readonly reservedConcurrency?: number;
  /** Where the alarms send ALARM and OK. @default - the alarms notify nobody */
  readonly alarmTopic?: ITopic;
  /** Active X-Ray tracing. @default false */
  readonly tracing?: boolean;
  /** Where the handlers' code comes from. @default - the bundles built into the package */
  readonly handlerCode?: HandlerCode;
}

/** Every function of the auth origin is small and quick: it redirects or forwards. */
const TIMEOUT_SECONDS: Record<string, number> = { 'auth-origin-callback': 10, 'provider-action-proxy': 5, 'web-pages': 5 };

/**
 * The auth origin, one per account: the callback URL registered with providers that allow only one, and the
 * interactive-components endpoint (SPEC, "Shared development apps"). It holds no table, no keys and no
 * provider secrets: it reads the environment registry every `HandshakeBroker` writes, and redirects or
 * forwards to the environment named in the request. Its logs are kept a year, as it serves every environment.
 *
 * @example
 * const origin = new HandshakeAuthOrigin(this, 'AuthOrigin', { alarmTopic });
 * new HandshakeBroker(this, 'Feature', { environmentName: 'feature-x', authOrigin: origin.url });
 */
export class HandshakeAuthOrigin extends Construct {
  readonly http: HttpRoutes;
  readonly functions = new Map<string, HandlerFunction>();
  readonly monitoring: BrokerMonitoring;

  constructor(scope: Construct, id: string, props: HandshakeAuthOriginProps = {}) {
    super(scope, id);
    Tags.of(this).add('handshake:role', 'auth-origin', { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
    const lifecycle = { removalPolicy: RemovalPolicy.RETAIN, logRetention: RetentionDays.ONE_YEAR };
    this.http = new HttpRoutes(this, 'Http', {
      environment: 'auth-origin',
      ...lifecycle,
      ...(props.domain ? { domain: props.domain } : {}),
      publicRouteReason:
        'Public by protocol (SPEC, Shared development apps): providers redirect browsers here and post interactive callbacks here. ' +
        'The router holds no keys and only redirects or forwards to environments found in the registry; the target verifies ' +
        'the sealed state or the provider signature. The route is throttled.',
    });

    // GetParametersByPath is authorised on the path itself: the registry is read whole, with no wildcard.
    const registryArn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: ENVIRONMENT_REGISTRY_PREFIX.slice(1) });
    const code = props.handlerCode ?? defaultHandlerCode();
    for (const handler of new Set(AUTH_ORIGIN_ROUTES.map((route) => route.handler))) {
      const usesRegistry = handler !== 'web-pages';
      const fn = new HandlerFunction(this, constructId(handler), {
        handler,
        code,
        environment: {
          ...observabilityEnvironment({ environment: 'auth-origin', logLevel: props.logLevel, tracing: props.tracing }),
          ...(usesRegistry ? { ENVIRONMENT_REGISTRY_PATH: ENVIRONMENT_REGISTRY_PREFIX } : {}),
        },
        timeout: Duration.seconds(TIMEOUT_SECONDS[handler] ?? 10),
        memorySize: props.memorySize,
        tracing: props.tracing,
        ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
        ...lifecycle,
      });
      if (usesRegistry) Grant.addToPrincipal({ grantee: fn.role, actions: ['ssm:GetParametersByPath'], resourceArns: [registryArn] });
      this.functions.set(handler, fn);
    }
    this.http.addRoutes(AUTH_ORIGIN_ROUTES, (handler) => this.functions.get(handler)!.function);
    this.monitoring = new BrokerMonitoring(this, 'Monitoring', {
      environment: 'auth-origin',
      functions: [...this.functions].map(([handler, fn]) => ({ handler, function: fn.function })),
      httpApi: this.http.api,
      alarmTopic: props.alarmTopic,
      handshakeMetrics: false,
    });
  }

  /** Pass to every `HandshakeBroker` as `authOrigin`. */
  get url(): string {
    return this.http.url;
  }

  /** The one redirect URI to register with each shared OAuth app. */
  get callbackUrl(): string {
    return `${this.url}/no-auth/provider-token/{provider}`;
  }
}
