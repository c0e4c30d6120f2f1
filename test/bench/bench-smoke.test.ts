import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_BUNDLING, handlerEsbuildOptions } from '../../infra/handler-bundling';
import type { BenchResults } from '../../bench/report';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUN_TIMEOUT_MS = 150_000;

/**
 * `npm run bench` is not run by CI (it takes minutes); this runs it with `--quick` (tiny N) and checks that it
 * completes and writes a well-formed results file, so the bench cannot rot unnoticed.
 */
const dir = mkdtempSync(join(tmpdir(), 'handshake-bench-'));
const out = join(dir, 'results.json');
let run: { code: number; stdout: string; stderr: string; seconds: number };

beforeAll(async () => {
  const started = performance.now();
  run = await new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out, '--bundles', join(dir, 'bundles')],
      { cwd: ROOT, env: { ...process.env, BENCH_QUICK: '' }, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
  console.info(`bench --quick: ${run.seconds.toFixed(1)} s`);
}, RUN_TIMEOUT_MS + 10_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const results = (): BenchResults => JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
const handlers = readdirSync(join(ROOT, 'functions')).filter((name) => existsSync(join(ROOT, 'functions', name, 'handler.ts')));
const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

describe('npm run bench -- --quick', () => {
  it('exits 0 and prints the five tables and the goals', () => {
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    for (const title of ['1. Bundles', '2. Cold init', '3. Server cost per connect handshake', '4. DynamoDB commands per flow', '5. Fan-out', 'Goals of issue 8']) {
      expect(run.stdout).toContain(title);
    }
  });

  it('writes a results file with every handler bundled and Grant beside them', () => {
    const { schema, quick, machine, bundles } = results();
    expect(schema).toBe('handshake-bench/1');
    expect(quick).toBe(true);
    expect(machine.node).toBe(process.version);
    expect(machine.cores).toBeGreaterThan(0);
    expect(bundles.filter((b) => b.kind === 'handler').map((b) => b.name).sort()).toEqual([...handlers].sort());
    expect(bundles.find((b) => b.name === 'grant')?.kind).toBe('grant');
    for (const bundle of bundles) {
      expect(bundle.bytes, bundle.name).toBeGreaterThan(0);
      expect(bundle.gzipBytes, bundle.name).toBeGreaterThan(0);
      expect(bundle.gzipBytes, bundle.name).toBeLessThan(bundle.bytes);
    }
    expect(bundles.find((b) => b.name === 'provider-token')?.usesDynamoDB).toBe(true);
    expect(bundles.find((b) => b.name === 'web-pages')?.usesDynamoDB).toBe(false);
  });

  it('times the cold init of bare node, every handler and Grant', () => {
    const { coldInit } = results();
    const names = coldInit.rows.filter((row) => row.flags.length === 0).map((row) => row.name);
    expect(names).toEqual(expect.arrayContaining(['bare node', 'grant', ...handlers]));
    expect(coldInit.runs).toBeGreaterThanOrEqual(3);
    for (const row of coldInit.rows) {
      expect(finite(row.medianMs) && row.medianMs > 0, row.name).toBe(true);
      expect(finite(row.overBareMs), row.name).toBe(true);
    }
    expect(coldInit.bareMs).toBe(coldInit.rows.find((row) => row.name === 'bare node')!.medianMs);
  });

  it('measures both brokers per handshake, ours with all four handler calls (the claim commits), and the ingredients', () => {
    const { handshake, ingredients } = results();
    expect(handshake.handshakes).toBeGreaterThan(0);
    for (const side of [handshake.ours, handshake.grant]) {
      expect(side.cpuUs).toBeGreaterThan(0);
      expect(side.wallMs).toBeGreaterThan(0);
    }
    expect(Object.keys(handshake.ours.steps).sort()).toEqual(['check-signup', 'provider-auth', 'provider-auth-code', 'provider-token']);
    expect(Object.keys(handshake.grant.steps).sort()).toEqual(['grant-callback', 'grant-connect']);
    // start 1 + session, visit 1, callback 2, claim 3 (lease, the token with its number, answer) + session + the publish Query.
    expect(handshake.ours.dynamodb.commands).toBe(10);
    expect(finite(handshake.cpuRatio) && finite(handshake.wallRatio)).toBe(true);
    expect(ingredients.map((i) => i.id).sort()).toEqual(['dynamodb-bare', 'dynamodb-sdk', 'exchange-bare', 'exchange-simple-oauth2', 'identity-userinfo', 'sealed-json', 'session-check', 'session-jwt', 'state-jwe']);
    for (const ingredient of ingredients) expect(ingredient.cpuUs, ingredient.id).toBeGreaterThan(0);
  });

  it('counts the DynamoDB commands of each protocol step, against the budgets of SPEC v2', () => {
    const rows = results().dynamodbCalls;
    const row = (flow: string) => {
      const found = rows.find((r) => r.flow === flow);
      expect(found, flow).toBeDefined();
      return found!;
    };
    const expected: [flow: string, handler: string, budget: string | undefined][] = [
      ['start (connect)', 'provider-auth-code', '≤ 1 + session'],
      ['browser visit (connect)', 'provider-auth', '≤ 1'],
      ['callback (connect)', 'provider-token', '≤ 2'],
      ['claim (connect)', 'check-signup', '≤ 3 + session + Query'],
      ['start (sign-up, new user)', 'provider-auth-code', '≤ 1'],
      ['browser visit (sign-up, new user)', 'provider-auth', '≤ 1'],
      ['callback (sign-up, new user)', 'provider-token', '≤ 2'],
      ['claim (sign-up, new user)', 'check-signup', '≤ 5'],
      ['claim (sign-up, returning user)', 'check-signup', undefined],
      ['pending claim (connect, poll)', 'check-signup', undefined],
      ['confirmation page (connect, poll)', 'provider-auth', '≤ 1'],
      ['user code (connect, poll)', 'provider-auth', '≤ 1'],
      ['callback (connect, poll)', 'provider-token', '≤ 2'],
      ['claim (connect, poll)', 'check-signup', '≤ 3 + session + Query'],
    ];
    const { targets } = results();
    for (const [flow, handler, budget] of expected) {
      expect(row(flow).handler, flow).toBe(handler);
      expect(row(flow).total, flow).toBeGreaterThan(0);
      const target = targets.find((t) => t.name === `DynamoDB calls ${flow}`);
      expect(target?.goal, flow).toBe(budget);
    }
    // Counts do not depend on the machine, and test/e2e/dynamodb-budget.test.ts holds the code to these budgets: the bench's verdicts must agree.
    for (const target of targets.filter((t) => t.name.startsWith('DynamoDB calls '))) expect(target.met, `${target.name}: ${target.value}`).toBe(true);
    // The connect claim checks the session (GetItem), commits (lease, token, answer) and publishes: the Query is the me-channel's.
    expect(row('claim (connect)').commands).toEqual({ GetItemCommand: 1, QueryCommand: 1, UpdateItemCommand: 3 });
    // A refused conditional write costs dynalite one GetItem that DynamoDB does not need: the pending claim's
    // refused lease (besides its session check) and the confirmation page's refused loopback visit. Those rows
    // say so; the others do not.
    for (const [flow, reads] of [['pending claim (connect, poll)', 2], ['confirmation page (connect, poll)', 1]] as const) {
      expect(row(flow).commands, flow).toMatchObject({ GetItemCommand: reads });
      expect(row(flow).onDynamoDB, flow).toBe(row(flow).total - 1);
    }
    expect(row('callback (connect)').onDynamoDB).toBe(row('callback (connect)').total);
    const table = run.stdout.slice(run.stdout.indexOf('4. DynamoDB commands per flow'), run.stdout.indexOf('5. Fan-out'));
    const line = (flow: string) => {
      const found = table.split('\n').find((l) => l.trimStart().startsWith(`${flow} `));
      expect(found, `the row ${flow}`).toBeDefined();
      return found!;
    };
    expect(line('pending claim (connect, poll)')).toContain('dynalite: +1 GetItem');
    expect(line('callback (connect)')).not.toContain('dynalite');
  });

  it('publishes to 1, 10 and 100 connections, every message received', () => {
    const { fanOut, targets } = results();
    expect(fanOut.rows.map((row) => row.connections)).toEqual([1, 10, 100]);
    for (const row of fanOut.rows) expect(row.publishMs).toBeGreaterThan(0);
    expect(fanOut.received).toBe(fanOut.delivered);
    expect(targets.map((target) => target.name)).toEqual(
      expect.arrayContaining(['cold init provider-auth', 'CPU per connect handshake', 'DynamoDB calls callback (connect)', 'DynamoDB calls claim (sign-up, new user)', 'fan-out 100:1']),
    );
  });
});

describe('handlerEsbuildOptions', () => {
  it('is what the CDK stack bundles with: one minified ES module with the require banner, AWS SDK included', () => {
    const options = handlerEsbuildOptions('check-signup', ROOT, join(dir, 'x'));
    expect(options).toMatchObject({
      entryPoints: [join(ROOT, 'functions', 'check-signup', 'handler.ts')],
      bundle: true,
      platform: 'node',
      format: HANDLER_BUNDLING.format,
      target: HANDLER_BUNDLING.target,
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      external: [],
      mainFields: HANDLER_BUNDLING.mainFields,
      banner: { js: HANDLER_BUNDLING.banner },
      outfile: join(dir, 'x', 'index.mjs'),
      tsconfig: join(ROOT, 'tsconfig.json'),
    });
  });
});
