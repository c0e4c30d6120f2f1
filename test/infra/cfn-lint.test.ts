import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from 'aws-cdk-lib';
import { createAuthOriginApp, createHandshakeApp } from '../../infra/handshake-app';
import { cdkJsonContext } from '../support/cdk-json';
import { SYNTH_TIMEOUT_MS } from './synthesized-stack';

const run = promisify(execFile);

/**
 * cfn-lint (AWS's CloudFormation linter, a Python tool) on every template the two CDK apps synthesize, with
 * cdk.json's context as `cdk synth` would hand it: it knows each resource type's schema, so it catches what
 * the CDK types and cdk-nag let through (a property value CloudFormation refuses, a dependency that cannot
 * resolve). A finding of level Error fails; warnings and informational findings are printed. Where cfn-lint
 * is not installed (`pip install cfn-lint`), the file says so and skips.
 *
 * Bundling is off (`aws:cdk:bundling-stacks: []`): the templates then differ from a deployer's only in the
 * asset hashes; the real bundles are built and checked by cdk-synth.test.ts.
 */
const cfnLint = (() => {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
})();
if (!cfnLint) console.log('cfn-lint not found (pip install cfn-lint): skipping the lint of the synthesized CloudFormation templates.');

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const APPS: { name: string; build: (outdir: string) => App }[] = [
  { name: 'createHandshakeApp -c env=feature-x', build: (outdir) => createHandshakeApp({ outdir, context: { ...cdkJsonContext(), ...NO_BUNDLING, env: 'feature-x' } }).app },
  { name: 'createHandshakeApp -c env=prod (protected)', build: (outdir) => createHandshakeApp({ outdir, context: { ...cdkJsonContext(), ...NO_BUNDLING, env: 'prod' } }).app },
  {
    name: 'createHandshakeApp -c env=feature-y -c authOrigin=https://auth.example.com',
    build: (outdir) => createHandshakeApp({ outdir, context: { ...cdkJsonContext(), ...NO_BUNDLING, env: 'feature-y', authOrigin: 'https://auth.example.com' } }).app,
  },
  { name: 'createAuthOriginApp', build: (outdir) => createAuthOriginApp({ outdir, context: { ...cdkJsonContext(), ...NO_BUNDLING } }).app },
];

/** One entry of `cfn-lint --format json`. */
interface Finding {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] | null };
}

const describeFinding = (f: Finding) => `${f.Rule.Id} ${basename(f.Filename)} ${(f.Location.Path ?? []).join('/')}: ${f.Message}`;

/** Every `*.template.json` of a cloud assembly, nested stage assemblies included. */
const templatesIn = (outdir: string) =>
  readdirSync(outdir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.template.json'))
    .map((file) => join(outdir, file));

const root = mkdtempSync(join(tmpdir(), 'handshake-cfn-lint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!cfnLint)(`${cfnLint ?? 'cfn-lint'} on every template the CDK apps synthesize`, () => {
  const templates = new Map<string, string[]>();
  let findings: Finding[];

  beforeAll(async () => {
    APPS.forEach(({ name, build }, i) => {
      const outdir = join(root, `app-${i}`);
      build(outdir).synth();
      templates.set(name, templatesIn(outdir));
    });
    const all = [...templates.values()].flat();
    // cfn-lint's exit code is a bit field of the levels it found (2 error, 4 warning, 8 informational);
    // the findings are read from its JSON, and an odd code (1) means it could not lint at all.
    const { code, stdout, stderr } = await run('cfn-lint', ['--format', 'json', '--', ...all], { maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(err) }),
    );
    if (typeof code !== 'number' || code % 2 === 1) throw new Error(`cfn-lint exited ${code}: ${stderr}`);
    findings = JSON.parse(stdout || '[]') as Finding[];
    const levels = (level: Finding['Level']) => findings.filter((f) => f.Level === level).length;
    console.log(
      `cfn-lint: ${all.length} templates, ${levels('Error')} errors, ${levels('Warning')} warnings, ${levels('Informational')} informational` +
        ` (${[...new Set(findings.map((f) => f.Rule.Id))].sort().join(', ') || 'no rule'})`,
    );
  }, SYNTH_TIMEOUT_MS);

  it.each(APPS.map(({ name }) => name))('%s: no finding of level Error', (name) => {
    const files = templates.get(name)!;
    expect(files.length, `no *.template.json in the assembly of ${name}`).toBeGreaterThan(0);
    const own = findings.filter((f) => files.includes(f.Filename));
    const errors = own.filter((f) => f.Level === 'Error');
    const notes = own.filter((f) => !errors.includes(f)).map((f) => `  ${f.Level} ${describeFinding(f)}`);
    if (notes.length > 0) console.log(`${name}: ${files.map((f) => basename(f)).join(', ')}\n${notes.join('\n')}`);
    expect(errors.map(describeFinding)).toEqual([]);
  });
});
