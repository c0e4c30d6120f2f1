import { fileURLToPath } from 'node:url';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { currentGitBranch, deploymentFromContext, type Deployment } from './deployment.js';
import { HandshakeStack } from './handshake-stack.js';
import { AUTH_ORIGIN_STACK_NAME, AuthOriginStack } from './auth-origin-stack.js';

/** The repository root: `functions/`, `package-lock.json` and `tsconfig.json` live here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface HandshakeApp {
  app: App;
  stack: HandshakeStack;
  deployment: Deployment;
}

export interface HandshakeAppOptions extends AppProps {
  /** Where the branch name comes from when `-c env` is absent; default: `git branch --show-current`. */
  gitBranch?: () => string | undefined;
}

/**
 * The CDK app: one `Handshake-<env>` stack, checked by cdk-nag's AWS Solutions pack at synth time (a finding
 * that is not acknowledged with a reason fails the synth). `infra/app.ts` runs it for the CLI; tests call it
 * with their own context.
 *
 * @example
 * const { app, stack } = createHandshakeApp({ context: { env: 'feature-x' } });
 */
export function createHandshakeApp(options: HandshakeAppOptions = {}): HandshakeApp {
  const { gitBranch = () => currentGitBranch(PROJECT_ROOT), ...appProps } = options;
  const app = new App(appProps);
  const deployment = deploymentFromContext((key) => app.node.tryGetContext(key), gitBranch);
  const stack = new HandshakeStack(app, `Handshake-${deployment.environment}`, { deployment, handlerCode: { sources: PROJECT_ROOT } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, deployment };
}

/**
 * The CDK app of the auth origin (`-c stack=auth-origin`): one `Handshake-auth-origin` stack per account,
 * checked by cdk-nag like the environments.
 *
 * @example
 * const { app, stack } = createAuthOriginApp({ context: {} });
 */
export function createAuthOriginApp(options: AppProps = {}): { app: App; stack: AuthOriginStack } {
  const app = new App(options);
  const stack = new AuthOriginStack(app, AUTH_ORIGIN_STACK_NAME, { handlerCode: { sources: PROJECT_ROOT } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
