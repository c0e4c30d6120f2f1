import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { isEnvironmentName } from '../shared/environment-name.js';
import { API_ROUTES } from '../shared/http/api-routes.js';
import { PROTECTED_ENVIRONMENTS, providersPathFor } from './deployment.js';
import { EnvironmentRegistry } from './environment-registry.js';
import { defaultHandlerCode, type HandlerCode } from './handler-code.js';
import { Handlers, type LogLevelName } from './handlers.js';
import { HttpRoutes } from './http-routes.js';
import { KeyRing } from './key-ring.js';
import { MeChannel, WEBSOCKET_ROUTES } from './me-channel.js';
import { BrokerMonitoring } from './monitoring.js';
import { ProviderSettings } from './provider-settings.js';
import { Storage } from './storage.js';

/** A name of your own for the broker, so that re-creating a stack does not change any provider's redirect URI. */
export interface BrokerDomain {
  /** The HTTP API's host, e.g. `auth.example.com`: PUBLIC_API_URL and the callback become `https://<it>`. */
  readonly domainName: string;
  /** A certificate in the stack's region covering `domainName` (and `meChannelDomainName`). */
  readonly certificate: ICertificate;
  /** The me-channel's host, e.g. `ws.auth.example.com`. @default - the WebSocket API's execute-api host */
  readonly meChannelDomainName?: string;
  /** A public zone to create the alias records in. @default - no records: point DNS at `regionalDomainName` yourself */
  readonly hostedZone?: IHostedZone;
}

export interface HandshakeBrokerProps {
  /** RUN_TIME_ENVIRONMENT: a lowercase DNS label, carried in every state and every session. */
  readonly environmentName: string;
  /**
   * Data outlives the stack: the table and keys are retained, deletion-protected and recoverable in time;
   * logs are kept a year.
   * @default - true for `prod`, false otherwise
   */
  readonly protected?: boolean;
  /** SSM path holding one SecureString per provider (`<path>/<providerId>`). @default `/handshake/<environmentName>/providers` */
  readonly providersPath?: string;
  /** The shared callback origin (a `HandshakeAuthOrigin`'s `url`), CALLBACK_BASE_URL. @default - the broker's own URL */
  readonly authOrigin?: string;
  /** Custom domain names with an ACM certificate. @default - the execute-api hosts */
  readonly domain?: BrokerDomain;
  /** Powertools log level of every function. @default 'INFO' */
  readonly logLevel?: LogLevelName;
  /** Memory of every function, in MB. @default 512 */
  readonly memorySize?: number;
  /** Where browsers land after a completed handshake (SUCCESS_URL). @default - the broker's own success page */
  readonly successUrl?: string;
  /** Where browsers land after a failed one (ERROR_URL). @default - the broker's own error page */
  readonly errorUrl?: string;
  /**
   * Reserved concurrency of each function that serves public routes only (start, visit, callback, claim, pages,
   * provider list, provider actions): a flood there cannot starve the rest of the account, nor the Bearer routes.
   * @default - none: the functions draw on the account's unreserved concurrency
   */
  readonly publicReservedConcurrency?: number;
  /** Where the alarms send ALARM and OK. @default - the alarms exist but notify nobody */
  readonly alarmTopic?: ITopic;
  /** Active X-Ray tracing on every function, and Powertools Tracer around the AWS SDK clients. @default false */
  readonly tracing?: boolean;
  /**
   * Access logs of the me-channel's stage. They need the account's API Gateway CloudWatch Logs role
   * (AWS::ApiGateway::Account), an account singleton this construct does not own: set it up first.
   * @default false
   */
  readonly meChannelAccessLogs?: boolean;
  /** Where the handlers' code comes from. @default - the bundles built into the package */
  readonly handlerCode?: HandlerCode;
}

/**
 * One environment of the handshake broker: the table, the key ring and the provider settings; the HTTP API
 * and the me-channel; one function per handler, each with only what it touches; the environment's entry in
 * the registry the auth origin reads; alarms and a dashboard.
 *
 * @example
 * const broker = new HandshakeBroker(this, 'Handshake', { environmentName: 'prod', alarmTopic });
 * new CfnOutput(this, 'CallbackUrl', { value: broker.callbackUrl });
 */
export class HandshakeBroker extends Construct {
  readonly environmentName: string;
  readonly isProtected: boolean;
  readonly http: HttpRoutes;
  readonly meChannel: MeChannel;
  readonly storage: Storage;
  readonly keyRing: KeyRing;
  readonly providers: ProviderSettings;
  readonly handlers: Handlers;
  readonly monitoring: BrokerMonitoring;
  /** The redirect URI to register with each provider (`{provider}` = the provider id). */
  readonly callbackUrl: string;

  constructor(scope: Construct, id: string, props: HandshakeBrokerProps) {
    super(scope, id);
    const environment = props.environmentName;
    if (!isEnvironmentName(environment)) throw new Error(`HandshakeBroker: environmentName "${environment}" must be a lowercase DNS label (a-z, 0-9, -)`);
    const isProtected = props.protected ?? PROTECTED_ENVIRONMENTS.includes(environment);
    this.environmentName = environment;
    this.isProtected = isProtected;
    const lifecycle = {
      removalPolicy: isProtected ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      logRetention: isProtected ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    };
    // Not the dashboard: CloudFormation takes its Tags since 2026, cfn-lint's schemas do not yet.
    Tags.of(this).add('handshake:environment', environment, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });

    this.storage = new Storage(this, 'Storage', { isProtected });
    this.keyRing = new KeyRing(this, 'Keys', { environment, isProtected });
    this.providers = new ProviderSettings(this, 'Providers', { path: props.providersPath ?? providersPathFor(environment) });
    const domain = props.domain;
    this.http = new HttpRoutes(this, 'Http', {
      environment,
      ...lifecycle,
      ...(domain ? { domain: { domainName: domain.domainName, certificate: domain.certificate, hostedZone: domain.hostedZone } } : {}),
    });
    this.meChannel = new MeChannel(this, 'MeChannel', {
      environment,
      accessLogs: props.meChannelAccessLogs ? lifecycle : undefined,
      ...(domain?.meChannelDomainName ? { domain: { domainName: domain.meChannelDomainName, certificate: domain.certificate, hostedZone: domain.hostedZone } } : {}),
    });
    new EnvironmentRegistry(this, 'Registry', { environment, publicApiUrl: this.http.url });

    const callbackBaseUrl = props.authOrigin?.replace(/\/+$/, '');
    const publicHandlers = new Set(API_ROUTES.filter((route) => route.public).map((route) => route.handler));
    for (const route of API_ROUTES) if (!route.public) publicHandlers.delete(route.handler);
    this.handlers = new Handlers(this, 'Handlers', {
      handlers: [...API_ROUTES.map((route) => route.handler), ...WEBSOCKET_ROUTES.map((route) => route.handler)],
      publicHandlers,
      code: props.handlerCode ?? defaultHandlerCode(),
      environment,
      publicApiUrl: this.http.url,
      ...(callbackBaseUrl ? { callbackBaseUrl } : {}),
      storage: this.storage,
      keyRing: this.keyRing,
      providers: this.providers,
      meChannel: this.meChannel,
      logLevel: props.logLevel,
      memorySize: props.memorySize,
      publicReservedConcurrency: props.publicReservedConcurrency,
      tracing: props.tracing,
      successUrl: props.successUrl,
      errorUrl: props.errorUrl,
      ...lifecycle,
    });
    this.http.addRoutes(API_ROUTES, (handler) => this.handlers.get(handler));
    this.meChannel.addRoutes(WEBSOCKET_ROUTES, (handler) => this.handlers.get(handler));

    this.monitoring = new BrokerMonitoring(this, 'Monitoring', {
      environment,
      functions: [...this.handlers.all].map(([handler, fn]) => ({ handler, function: fn.function })),
      httpApi: this.http.api,
      table: this.storage.table,
      alarmTopic: props.alarmTopic,
      handshakeMetrics: true,
    });
    this.callbackUrl = `${callbackBaseUrl ?? this.http.url}/no-auth/provider-token/{provider}`;
  }

  /** PUBLIC_API_URL: the HTTP API agents and browsers use. */
  get url(): string {
    return this.http.url;
  }

  /** What agents connect to for the me-channel. */
  get meChannelUrl(): string {
    return this.meChannel.url;
  }
}
