import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AUTH_ORIGIN_ROUTES } from '../shared/routing/auth-origin-routes';
import { ENVIRONMENT_REGISTRY_PREFIX } from './environment-registry';
import { HandlerFunction } from './handler-function';
import { HttpRoutes } from './http-routes';

export const AUTH_ORIGIN_STACK_NAME = 'Handshake-auth-origin';

export interface AuthOriginStackProps extends StackProps {
  projectRoot: string;
}

/**
 * The auth origin (`Handshake-auth-origin`, one per account): the callback URL registered with providers that
 * allow only one, and the interactive-components endpoint (SPEC, "Shared development apps"). It holds no
 * table, no keys and no provider secrets: it reads the environment registry that every environment stack
 * writes, and redirects or forwards to the environment named in the request.
 *
 * @example
 * npx cdk deploy -c stack=auth-origin      # then deploy environments with -c authOrigin=<its HttpUrl>
 */
export class AuthOriginStack extends Stack {
  readonly http: HttpRoutes;
  readonly functions = new Map<string, HandlerFunction>();

  constructor(scope: Construct, id: string, props: AuthOriginStackProps) {
    const { projectRoot, ...stackProps } = props;
    super(scope, id, { description: 'handshake auth origin: shared OAuth callback router and interactive-components proxy', ...stackProps });
    Tags.of(this).add('handshake:role', 'auth-origin');
    // Shared by every environment of the account: its logs are kept like a protected environment's.
    const lifecycle = { removalPolicy: RemovalPolicy.RETAIN, logRetention: RetentionDays.ONE_YEAR };
    this.http = new HttpRoutes(this, 'Http', {
      environment: 'auth-origin',
      ...lifecycle,
      publicRouteReason:
        'Public by protocol (SPEC, Shared development apps): providers redirect browsers here and post interactive callbacks here. ' +
        'The router holds no keys and only redirects or forwards to environments found in the registry; the target verifies ' +
        'the sealed state or the provider signature. The route is throttled.',
    });

    // GetParametersByPath is authorised on the path itself: the registry is read whole, with no wildcard.
    const registryArn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: ENVIRONMENT_REGISTRY_PREFIX.slice(1) });
    const timeouts: Record<string, number> = { 'auth-origin-callback': 10, 'provider-action-proxy': 5, 'web-pages': 5 };
    for (const handler of new Set(AUTH_ORIGIN_ROUTES.map((route) => route.handler))) {
      const usesRegistry = handler !== 'web-pages';
      const fn = new HandlerFunction(this, handler.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()), {
        handler,
        projectRoot,
        environment: usesRegistry ? { ENVIRONMENT_REGISTRY_PATH: ENVIRONMENT_REGISTRY_PREFIX } : {},
        timeout: Duration.seconds(timeouts[handler] ?? 10),
        ...lifecycle,
      });
      if (usesRegistry) Grant.addToPrincipal({ grantee: fn.role, actions: ['ssm:GetParametersByPath'], resourceArns: [registryArn] });
      this.functions.set(handler, fn);
    }
    this.http.addRoutes(AUTH_ORIGIN_ROUTES, (handler) => this.functions.get(handler)!.function);

    new CfnOutput(this, 'HttpUrl', { value: this.http.url, description: 'pass as -c authOrigin= to environment stacks' });
    new CfnOutput(this, 'CallbackUrl', { value: `${this.http.url}/no-auth/provider-token/{provider}`, description: 'the one redirect URI to register with each shared OAuth app' });
    new CfnOutput(this, 'ActionsUrl', { value: `${this.http.url}/no-auth/provider-action/{provider}`, description: 'the interactivity request URL for Slack and MS Teams apps' });
  }
}
