import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { HandlerCode } from './handler-code.js';
import { HandshakeAuthOrigin } from './handshake-auth-origin.js';

export const AUTH_ORIGIN_STACK_NAME = 'Handshake-auth-origin';

export interface AuthOriginStackProps extends StackProps {
  handlerCode: HandlerCode;
}

/**
 * `Handshake-auth-origin` as this repository deploys it: a `HandshakeAuthOrigin` and its outputs.
 *
 * @example
 * npx cdk deploy -c stack=auth-origin      # then deploy environments with -c authOrigin=<its HttpUrl>
 */
export class AuthOriginStack extends Stack {
  readonly origin: HandshakeAuthOrigin;

  constructor(scope: Construct, id: string, props: AuthOriginStackProps) {
    const { handlerCode, ...stackProps } = props;
    const tags = { 'handshake:role': 'auth-origin', ...stackProps.tags };
    super(scope, id, { description: 'handshake auth origin: shared OAuth callback router and interactive-components proxy', ...stackProps, tags });
    // `Default` keeps the logical ids the stack had before the construct existed.
    this.origin = new HandshakeAuthOrigin(this, 'Default', { handlerCode });
    new CfnOutput(this, 'HttpUrl', { value: this.origin.url, description: 'pass as -c authOrigin= to environment stacks' });
    new CfnOutput(this, 'CallbackUrl', { value: this.origin.callbackUrl, description: 'the one redirect URI to register with each shared OAuth app' });
    new CfnOutput(this, 'ActionsUrl', { value: `${this.origin.url}/no-auth/provider-action/{provider}`, description: 'the interactivity request URL for Slack and MS Teams apps' });
  }

  get http() {
    return this.origin.http;
  }
  get functions() {
    return this.origin.functions;
  }
}
