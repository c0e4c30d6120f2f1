import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_ROUTES } from '../shared/http/api-routes';
import type { Deployment } from './deployment';
import { EnvironmentRegistry } from './environment-registry';
import { Handlers } from './handlers';
import { HttpRoutes } from './http-routes';
import { KeyRing } from './key-ring';
import { MeChannel, WEBSOCKET_ROUTES } from './me-channel';
import { ProviderSettings } from './provider-settings';
import { Storage } from './storage';

export interface HandshakeStackProps extends StackProps {
  deployment: Deployment;
  /** The repository root: handlers are bundled from `<projectRoot>/functions/<name>/handler.ts`. */
  projectRoot: string;
}

/**
 * One environment of handshake (`Handshake-<env>`): storage, keys and provider settings; the HTTP API and
 * the me-channel; one function per handler between them. Environment-agnostic: account and region come
 * from the credentials `cdk deploy` runs with.
 */
export class HandshakeStack extends Stack {
  readonly deployment: Deployment;
  readonly http: HttpRoutes;
  readonly meChannel: MeChannel;
  readonly storage: Storage;
  readonly keyRing: KeyRing;
  readonly handlers: Handlers;

  constructor(scope: Construct, id: string, props: HandshakeStackProps) {
    const { deployment, projectRoot, ...stackProps } = props;
    super(scope, id, { description: `handshake OAuth broker, environment ${deployment.environment}`, ...stackProps });
    this.deployment = deployment;
    const { environment, isProtected } = deployment;
    const lifecycle = {
      removalPolicy: isProtected ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      logRetention: isProtected ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    };
    Tags.of(this).add('handshake:environment', environment);

    this.storage = new Storage(this, 'Storage', { isProtected });
    this.keyRing = new KeyRing(this, 'Keys', { environment, isProtected });
    const providers = new ProviderSettings(this, 'Providers', { path: deployment.providersPath });
    this.http = new HttpRoutes(this, 'Http', { environment, ...lifecycle });
    this.meChannel = new MeChannel(this, 'MeChannel', { environment });
    new EnvironmentRegistry(this, 'Registry', { environment, publicApiUrl: this.http.url });

    this.handlers = new Handlers(this, 'Handlers', {
      handlers: [...API_ROUTES.map((route) => route.handler), ...WEBSOCKET_ROUTES.map((route) => route.handler)],
      projectRoot,
      environment,
      publicApiUrl: this.http.url,
      ...(deployment.authOrigin ? { callbackBaseUrl: deployment.authOrigin } : {}),
      storage: this.storage,
      keyRing: this.keyRing,
      providers,
      meChannel: this.meChannel,
      ...lifecycle,
    });
    this.http.addRoutes(API_ROUTES, (handler) => this.handlers.get(handler));
    this.meChannel.addRoutes(WEBSOCKET_ROUTES, (handler) => this.handlers.get(handler));

    new CfnOutput(this, 'HttpUrl', { value: this.http.url, description: 'PUBLIC_API_URL: the HTTP API' });
    new CfnOutput(this, 'WebSocketUrl', { value: this.meChannel.url, description: 'the me-channel agents connect to' });
    new CfnOutput(this, 'CallbackUrl', {
      value: `${deployment.authOrigin ?? this.http.url}/no-auth/provider-token/{provider}`,
      description: 'the redirect URI to register with each provider ({provider} = the provider id)',
    });
    new CfnOutput(this, 'ProvidersParameterPath', { value: providers.path, description: 'put one SecureString per provider under this path' });
  }
}
