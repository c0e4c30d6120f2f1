import { type CfnElement, type RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { type CfnStage, type DomainName, type ThrottleSettings, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { customDomain, type CustomDomainProps } from './custom-domain.js';

/** A WebSocket route and the handler folder that serves it. */
export interface WebSocketRoute {
  routeKey: '$connect' | '$disconnect' | 'ping';
  handler: string;
  /** Two-way: the handler's answer is sent back on the connection. */
  returnResponse?: boolean;
}

/**
 * The me-channel's routes (SPEC, "Me-channel"): agents connect, disconnect and ping (selected by the
 * message's `action`); everything else the server posts. The local WebSocket gateway serves this list too.
 */
export const WEBSOCKET_ROUTES: readonly WebSocketRoute[] = [
  { routeKey: '$connect', handler: 'ws-connect' },
  { routeKey: '$disconnect', handler: 'ws-disconnect' },
  { routeKey: 'ping', handler: 'ws-ping', returnResponse: true },
];

export const ME_CHANNEL_STAGE = 'live';

/** Connection attempts are unauthenticated until the handler has looked at the token. */
export const CONNECT_THROTTLE: Required<ThrottleSettings> = { rateLimit: 25, burstLimit: 50 };

const ACKNOWLEDGEMENTS: Record<WebSocketRoute['routeKey'], string> = {
  $connect:
    'The ws-connect handler authenticates the session token (query token= or Authorization header) and answers 401 before any ' +
    'connection exists (SPEC, Me-channel); a gateway authorizer would verify the same HS256 token a second time.',
  $disconnect: 'API Gateway calls $disconnect itself for a connection that was authorized at $connect; authorization applies to $connect only.',
  ping: 'A message route exists only on a connection that $connect authorized; authorization applies to $connect only. It answers pong and touches nothing.',
};

/** One JSON line per connect, disconnect and message. No query strings: `$connect` may carry `?token=`. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  ip: '$context.identity.sourceIp',
  status: '$context.status',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
};

export interface MeChannelProps {
  environment: string;
  /** Access logs of the stage, kept this long (needs the account's API Gateway CloudWatch Logs role). */
  accessLogs?: { logRetention: RetentionDays; removalPolicy: RemovalPolicy };
  /** A custom domain mapped to the stage: `url` becomes `wss://<domainName>`. */
  domain?: CustomDomainProps;
}

/**
 * The me-channel: a WebSocket API whose stage `live` deploys itself. `$connect` and `$disconnect` go to
 * their handlers; publishing handlers get the management endpoint (`MECHANNEL_ENDPOINT`) and the right to
 * POST to connections, nothing more.
 *
 * @example
 * const meChannel = new MeChannel(this, 'MeChannel', { environment: 'feature-x' });
 * meChannel.addRoutes(WEBSOCKET_ROUTES, (handler) => functions.get(handler));
 * meChannel.grantPublish(providerToken);
 */
export class MeChannel extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogs?: LogGroup;
  readonly domainName?: DomainName;
  private readonly domainHost?: string;

  constructor(scope: Construct, id: string, props: MeChannelProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `handshake-${props.environment}-me-channel`,
      description: `handshake ${props.environment}: the me-channel (provider token updates to agents)`,
    });
    if (props.domain) {
      this.domainName = customDomain(this, props.domain);
      this.domainHost = props.domain.domainName;
    }
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: ME_CHANNEL_STAGE,
      autoDeploy: true,
      throttle: CONNECT_THROTTLE,
      ...(this.domainName ? { domainMapping: { domainName: this.domainName } } : {}),
    });
    if (props.accessLogs) {
      this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogs.logRetention, removalPolicy: props.accessLogs.removalPolicy });
      (this.stage.node.defaultChild as CfnStage).accessLogSettings = { destinationArn: this.accessLogs.logGroupArn, format: JSON.stringify(ACCESS_LOG_FIELDS) };
    } else {
      Validations.of(this.stage).acknowledge({
        id: 'AwsSolutions-APIG1',
        reason:
          'WebSocket access logging needs the account-wide API Gateway CloudWatch Logs role (AWS::ApiGateway::Account), an account ' +
          'singleton that a per-branch stack must not own or overwrite. Every $connect and $disconnect runs a handler whose log ' +
          'records the outcome (refusal code, request id), and API Gateway metrics count connections and messages. ' +
          'Deployers whose account has that role turn access logs on with meChannelAccessLogs.',
      });
    }
  }

  /** `wss://…/live`: what agents connect to. */
  get url(): string {
    return this.domainHost ? `wss://${this.domainHost}` : this.stage.url;
  }

  /** `https://{apiId}.execute-api.{region}.amazonaws.com/live`: the management endpoint publishers post to. */
  get endpoint(): string {
    return this.stage.callbackUrl;
  }

  addRoutes(routes: readonly WebSocketRoute[], handlerFor: (handler: string) => IFunction): void {
    for (const { routeKey, handler, returnResponse } of routes) {
      const route = this.api.addRoute(routeKey, { integration: new WebSocketLambdaIntegration(`${handler}-integration`, handlerFor(handler)), ...(returnResponse ? { returnResponse } : {}) });
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: ACKNOWLEDGEMENTS[routeKey] });
    }
    // The stage deploys itself on changes; creating it after the routes makes its first deployment serve them.
    for (const child of this.api.node.children) this.stage.node.addDependency(child);
  }

  /**
   * `execute-api:ManageConnections` on `POST @connections/*` of this stage only: posting a message. A gone
   * connection (410) is forgotten in the table, so no GET on connections is granted.
   */
  grantPublish(grantee: IGrantable): void {
    this.grantConnections(grantee, 'POST', 'posting a message');
  }

  /** `DELETE @connections/*` of this stage only: sign-out closes the connections of the sessions it ends. */
  grantClose(grantee: IGrantable): void {
    this.grantConnections(grantee, 'DELETE', 'closing a connection');
  }

  private grantConnections(grantee: IGrantable, method: 'POST' | 'DELETE', purpose: string): void {
    const connections = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${ME_CHANNEL_STAGE}/${method}/@connections/*`,
    });
    Grant.addToPrincipal({ grantee, actions: ['execute-api:ManageConnections'], resourceArns: [connections] });
    if (Construct.isConstruct(grantee)) {
      // cdk-nag names the finding after the resource as written in the template: `<LogicalId>` for the API id.
      const stack = Stack.of(this);
      const apiLogicalId = stack.getLogicalId(this.api.node.defaultChild as CfnElement);
      // An environment-agnostic stack writes the pseudo parameters; one with an account and region, the values
      // (and, with @aws-cdk/core:enablePartitionLiterals, the partition the region implies).
      const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
      const resource = `arn:${partition}:execute-api:${region}:${account}:<${apiLogicalId}>/${ME_CHANNEL_STAGE}/${method}/@connections/*`;
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          `Scoped to this WebSocket API, stage live, method ${method} (${purpose}). Connection ids are assigned by API Gateway at run time ` +
          '(one per agent socket), so the final @connections/{id} segment cannot be named in the policy.',
      });
    }
  }
}
