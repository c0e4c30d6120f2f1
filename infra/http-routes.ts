import { Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  type DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { customDomain, type CustomDomainProps } from './custom-domain.js';
import type { ApiRoute } from '../shared/http/api-routes.js';

/** Every route, agents' included. */
export const DEFAULT_THROTTLE: Required<ThrottleSettings> = { rateLimit: 100, burstLimit: 200 };
/**
 * Routes anyone can call. A handshake is three or four browser requests; the sign-up poll is one every few
 * seconds per waiting agent. This leaves room for about a hundred concurrent sign-ups.
 */
export const PUBLIC_THROTTLE: Required<ThrottleSettings> = { rateLimit: 25, burstLimit: 50 };

/** One JSON line per request. No query strings: they carry OAuth codes and states. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

export interface HttpRoutesProps {
  environment: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  defaultThrottle?: ThrottleSettings;
  publicThrottle?: ThrottleSettings;
  /** Why the public routes carry no authorizer, for the cdk-nag acknowledgement; default: the environment's reason. */
  publicRouteReason?: string;
  /** A custom domain mapped to the `$default` stage: `url` becomes `https://<domainName>`. */
  domain?: CustomDomainProps;
}

/**
 * The environment's HTTP API (payload format 2.0) on its `$default` stage, with JSON access logs. Routes
 * come from `API_ROUTES` (`shared/http/api-routes.ts`), the same list the local gateway serves, so AWS and
 * the laptop cannot disagree. Public routes get a tighter throttle than the stage's.
 *
 * @example
 * const http = new HttpRoutes(this, 'Http', { environment: 'feature-x', logRetention, removalPolicy });
 * http.addRoutes(API_ROUTES, (handler) => functions.get(handler));
 */
export class HttpRoutes extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly domainName?: DomainName;
  /** The custom host as written (a plain string: the functions' variables stay readable). */
  private readonly domainHost?: string;
  private readonly publicThrottle: ThrottleSettings;
  private readonly publicRouteReason?: string;
  private readonly routeSettings: Record<string, { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }> = {};
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: HttpRoutesProps) {
    super(scope, id);
    this.publicThrottle = props.publicThrottle ?? PUBLIC_THROTTLE;
    this.publicRouteReason = props.publicRouteReason;
    this.api = new HttpApi(this, 'Api', {
      apiName: `handshake-${props.environment}`,
      description: `handshake ${props.environment}: OAuth handshake routes`,
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    if (props.domain) {
      this.domainName = customDomain(this, props.domain);
      this.domainHost = props.domain.domainName;
    }
    this.stage = new HttpStage(this, 'Stage', {
      ...(this.domainName ? { domainMapping: { domainName: this.domainName } } : {}),
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.defaultThrottle ?? DEFAULT_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    (this.stage.node.defaultChild as CfnStage).routeSettings = this.routeSettings;
  }

  /** The public base URL (no trailing slash): what `PUBLIC_API_URL` and the environment registry hold. */
  get url(): string {
    return this.domainHost ? `https://${this.domainHost}` : this.api.apiEndpoint;
  }

  /** Adds each route with its handler; the handlers authenticate (there is no gateway authorizer). */
  addRoutes(routes: readonly ApiRoute[], handlerFor: (handler: string) => IFunction): void {
    for (const route of routes) {
      const routeKey = `${route.method} ${route.path}`;
      const integration = this.integrationFor(route.handler, handlerFor(route.handler));
      const httpRoute = new HttpRoute(this, routeId(route), {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration,
      });
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: route.public
          ? this.publicRouteReason ??
            'Public by protocol (SPEC, HTTP routes): browsers following OAuth redirects and the sign-up poll carry no session. ' +
            'The handler validates the sealed, single-use state, the browser binding cookie or the sign-up token; the route is throttled.'
          : 'The handler verifies the Bearer session token (HS256 JWT bound to this environment, keys from the key ring) and answers 401 ' +
            'otherwise; a gateway JWT authorizer cannot verify HS256 with our derived key.',
      });
      if (route.public) {
        this.routeSettings[routeKey] = {
          ThrottlingRateLimit: this.publicThrottle.rateLimit,
          ThrottlingBurstLimit: this.publicThrottle.burstLimit,
        };
        // The stage's route settings name the route: it must exist first.
        this.stage.node.addDependency(httpRoute);
      }
    }
  }

  private integrationFor(name: string, fn: IFunction): HttpLambdaIntegration {
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${name}-integration`, fn);
      this.integrations.set(fn, integration);
    }
    return integration;
  }
}

/** `GET /web/error` → `GetWebError`: a readable construct id (ids cannot hold `/`). */
function routeId(route: ApiRoute): string {
  return [route.method, ...route.path.split(/[^A-Za-z0-9]+/)]
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}
