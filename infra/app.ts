/**
 * Entry point of `cdk` (cdk.json: `npx tsx infra/app.ts`).
 *
 * @example
 * npx cdk deploy -c env=feature-x        # stack Handshake-feature-x
 * npx cdk deploy -c env=prod             # protected: data retained, point-in-time recovery
 * npx cdk deploy -c stack=auth-origin    # Handshake-auth-origin: the shared callback (one per account)
 */
import { ContextRefused } from './deployment.js';
import { createAuthOriginApp, createHandshakeApp } from './handshake-app.js';

// The CLI hands `-c` values to the app in CDK_CONTEXT_JSON; read `stack` before choosing which app to build.
const which = (JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as { stack?: unknown }).stack;
try {
  if (which !== undefined && which !== 'auth-origin' && which !== 'environment') throw new ContextRefused(`-c stack=${String(which)}: use auth-origin, or leave it out for an environment`);
  (which === 'auth-origin' ? createAuthOriginApp() : createHandshakeApp()).app.synth();
} catch (err) {
  if (!(err instanceof ContextRefused)) throw err;
  console.error(`synth refused: ${err.message}`);
  process.exitCode = 1;
}
