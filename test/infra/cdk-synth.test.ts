import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/handshake-app';
import { SYNTH_TIMEOUT_MS } from './synthesized-stack';

const run = promisify(execFile);

/**
 * The one real `cdk synth` of the suite: the CLI, cdk.json, tsx, cdk-nag and esbuild bundling of every
 * handler, as a deployer runs it. Credentials and AWS config are hidden and Docker is made unusable, so
 * the synth provably calls neither AWS nor Docker.
 */
const outdir = mkdtempSync(join(tmpdir(), 'handshake-cdk-out-'));
let synth: { code: number; stderr: string; seconds: number };

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DOCKER: join(outdir, 'no-docker'),
    AWS_CONFIG_FILE: join(outdir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'no-aws-credentials'),
  };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete env[name];
  const started = performance.now();
  const result = await run('npx', ['cdk', 'synth', '-c', 'env=feature-x', '--no-notices', '-q', '-o', outdir], {
    cwd: PROJECT_ROOT,
    env,
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? String(err) }),
  );
  synth = { ...result, seconds: (performance.now() - started) / 1000 };
  console.info(`cdk synth -c env=feature-x: ${synth.seconds.toFixed(1)} s`);
}, SYNTH_TIMEOUT_MS);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }> };
const template = (): Template => JSON.parse(readFileSync(join(outdir, 'Handshake-feature-x.template.json'), 'utf8'));
const bundles = () =>
  Object.values(template().Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => ({ handler: String(r.Properties.Description).replace(/^handshake /, ''), dir: join(outdir, r.Metadata!['aws:asset:path']!) }));

describe('npx cdk synth -c env=feature-x', () => {
  it('exits 0 and writes Handshake-feature-x.template.json with a clean validation report', () => {
    expect(synth.code, synth.stderr).toBe(0);
    expect(existsSync(join(outdir, 'Handshake-feature-x.template.json'))).toBe(true);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((p: { violations: unknown[] }) => p.violations)).toEqual([]);
  });

  it('bundles every handler into one minified ES module with its source map', () => {
    expect(synth.code, synth.stderr).toBe(0);
    for (const { handler, dir } of bundles()) {
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module';"), handler).toBe(true);
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map'), handler).toBe(true);
      expect(statSync(join(dir, 'index.mjs.map')).size, handler).toBeGreaterThan(0);
      // The AWS SDK is inside, not left to the Lambda runtime's copy.
      expect(code, handler).not.toMatch(/\bfrom\s*["']@aws-sdk\//);
      console.info(`${handler}: index.mjs ${(code.length / 1024).toFixed(0)} KiB`);
    }
  });

  // vitest's module runner transforms each bundle (≈ 0.6 MiB and its source map) on import: ≈ 10 s for all of them
  // beside the suite's other files, and past vitest's default 30 s on a busier machine (Node 20 and 24 alike).
  it('produces bundles that load with no node_modules around them and export a handler', async () => {
    expect(synth.code, synth.stderr).toBe(0);
    for (const { handler, dir } of bundles()) {
      const module = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof module.handler, handler).toBe('function');
    }
  }, SYNTH_TIMEOUT_MS);

  it('serves the built-in error page from the bundled web-pages handler', async () => {
    expect(synth.code, synth.stderr).toBe(0);
    const { dir } = bundles().find((b) => b.handler === 'web-pages')!;
    const { handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: (event: unknown) => Promise<{ statusCode: number; body: string }> };
    const response = await handler({
      rawPath: '/web/error',
      rawQueryString: 'code=AUTH-1002&provider=github',
      queryStringParameters: { code: 'AUTH-1002', provider: 'github' },
      headers: {},
      requestContext: { http: { method: 'GET', path: '/web/error' } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('AUTH-1002');
  });
});

describe('npx cdk synth of a branch pointed at prod’s provider secrets', () => {
  it('is refused with one line that says why and what to use instead, no stack trace', async () => {
    const refused = await run('npx', ['cdk', 'synth', '-c', 'env=feature-x', '-c', 'providersPath=/handshake/prod', '--no-notices', '-q', '-o', join(outdir, 'refused')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? '' }),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('synth refused: -c providersPath=/handshake/prod would let "feature-x", which is not protected, read /handshake/prod/providers');
    expect(refused.stderr).toContain('use /handshake/feature-x/providers');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(outdir, 'refused', 'Handshake-feature-x.template.json'))).toBe(false);
  }, SYNTH_TIMEOUT_MS);
});
