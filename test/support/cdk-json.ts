import { readFileSync } from 'node:fs';

/**
 * The `context` of the repository's cdk.json (the feature flags among it), which `cdk synth` and `cdk deploy`
 * hand the app and `createHandshakeApp` alone does not read. A test that synthesizes in-process spreads it
 * first, so that what it asserts is what deploys; its own keys (`env`, ...) come after and win, as `-c` does.
 *
 * @example
 * createHandshakeApp({ outdir, context: { ...cdkJsonContext(), env: 'feature-x' } });
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  return { ...cdkJson.context };
}
