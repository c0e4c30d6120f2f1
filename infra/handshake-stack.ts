import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Deployment } from './deployment.js';
import type { HandlerCode } from './handler-code.js';
import { HandshakeBroker, type HandshakeBrokerProps } from './handshake-broker.js';

export interface HandshakeStackProps extends StackProps {
  deployment: Deployment;
  /** Where the handlers' code comes from: this repository's app bundles its own sources. */
  handlerCode: HandlerCode;
  /** Everything else the broker takes (domain, alarms, tracing, ...). */
  broker?: Omit<HandshakeBrokerProps, 'environmentName' | 'protected' | 'providersPath' | 'authOrigin' | 'handlerCode'>;
}

/**
 * One environment of handshake (`Handshake-<env>`) as this repository deploys it: a `HandshakeBroker` and
 * the outputs a deployer needs. Environment-agnostic: account and region come from the credentials
 * `cdk deploy` runs with.
 */
export class HandshakeStack extends Stack {
  readonly deployment: Deployment;
  readonly broker: HandshakeBroker;

  constructor(scope: Construct, id: string, props: HandshakeStackProps) {
    const { deployment, handlerCode, broker, ...stackProps } = props;
    // The stack's own tag as well as its resources' (stack tags are explicit with @aws-cdk/core:explicitStackTags).
    const tags = { 'handshake:environment': deployment.environment, ...stackProps.tags };
    super(scope, id, { description: `handshake OAuth broker, environment ${deployment.environment}`, ...stackProps, tags });
    this.deployment = deployment;
    // `Default` leaves the broker's id out of every logical id: stacks deployed before the construct existed
    // keep their table, keys and functions.
    this.broker = new HandshakeBroker(this, 'Default', {
      ...broker,
      environmentName: deployment.environment,
      protected: deployment.isProtected,
      providersPath: deployment.providersPath,
      ...(deployment.authOrigin ? { authOrigin: deployment.authOrigin } : {}),
      handlerCode,
    });

    new CfnOutput(this, 'HttpUrl', { value: this.broker.url, description: 'PUBLIC_API_URL: the HTTP API' });
    new CfnOutput(this, 'WebSocketUrl', { value: this.broker.meChannelUrl, description: 'the me-channel agents connect to' });
    new CfnOutput(this, 'CallbackUrl', { value: this.broker.callbackUrl, description: 'the redirect URI to register with each provider ({provider} = the provider id)' });
    new CfnOutput(this, 'ProvidersParameterPath', { value: this.broker.providers.path, description: 'put one SecureString per provider under this path' });
    new CfnOutput(this, 'Dashboard', { value: this.broker.monitoring.dashboard.dashboardName, description: 'the CloudWatch dashboard of this environment' });
  }

  get http() {
    return this.broker.http;
  }
  get meChannel() {
    return this.broker.meChannel;
  }
  get storage() {
    return this.broker.storage;
  }
  get keyRing() {
    return this.broker.keyRing;
  }
  get handlers() {
    return this.broker.handlers;
  }
}
