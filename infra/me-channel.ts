import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { type ThrottleSettings, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

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

export interface MeChannelProps {
  environment: string;
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

  constructor(scope: Construct, id: string, props: MeChannelProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `handshake-${props.environment}-me-channel`,
      description: `handshake ${props.environment}: the me-channel (provider token updates to agents)`,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: ME_CHANNEL_STAGE,
      autoDeploy: true,
      throttle: CONNECT_THROTTLE,
    });
    Validations.of(this.stage).acknowledge({
      id: 'AwsSolutions-APIG1',
      reason:
        'WebSocket access logging needs the account-wide API Gateway CloudWatch Logs role (AWS::ApiGateway::Account), an account ' +
        'singleton that a per-branch stack must not own or overwrite. Every $connect and $disconnect runs a handler whose log ' +
        'records the outcome (refusal code, request id), and API Gateway metrics count connections and messages.',
    });
  }

  /** `wss://…/live`: what agents connect to. */
  get url(): string {
    return this.stage.url;
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
      const apiLogicalId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
      const resource = `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${ME_CHANNEL_STAGE}/${method}/@connections/*`;
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          `Scoped to this WebSocket API, stage live, method ${method} (${purpose}). Connection ids are assigned by API Gateway at run time ` +
          '(one per agent socket), so the final @connections/{id} segment cannot be named in the policy.',
      });
    }
  }
}
