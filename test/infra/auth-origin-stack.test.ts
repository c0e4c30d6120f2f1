import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { createAuthOriginApp } from '../../infra/handshake-app';
import { AUTH_ORIGIN_ROUTES } from '../../shared/routing/auth-origin-routes';
import { cdkJsonContext } from '../support/cdk-json';
import { SYNTH_TIMEOUT_MS } from './synthesized-stack';

let outdir: string;
let template: Template;
let resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
let violations: unknown[];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'handshake-auth-origin-'));
  const { app, stack } = createAuthOriginApp({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template;
  template = Template.fromJSON(json);
  resources = json.Resources;
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
  violations = report.pluginReports.flatMap((p) => p.violations);
}, SYNTH_TIMEOUT_MS);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('the auth origin stack (Handshake-auth-origin)', () => {
  it('serves exactly the auth origin routes', () => {
    const keys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!.RouteKey).sort();
    expect(keys).toEqual(AUTH_ORIGIN_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('holds no table, no keys and no provider secrets', () => {
    expect(ofType('AWS::DynamoDB::GlobalTable')).toHaveLength(0);
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(0);
    expect(ofType('AWS::SecretsManager::Secret')).toHaveLength(0);
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = Object.keys(fn.Properties!.Environment?.Variables ?? {});
      expect(variables.filter((v) => !v.startsWith('POWERTOOLS_')).every((v) => v === 'ENVIRONMENT_REGISTRY_PATH' || v === 'RUN_TIME_ENVIRONMENT')).toBe(true);
    }
  });

  it('lets the router and the proxy read the registry and nothing else', () => {
    const policies = ofType('AWS::IAM::Policy').map(([, p]) => p.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = policies.flatMap((statements) => statements.flatMap((s) => [s.Action].flat()));
    expect(new Set(actions)).toEqual(new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParametersByPath']));
    const registry = policies.flat().filter((s) => [s.Action].flat().includes('ssm:GetParametersByPath'));
    expect(registry).toHaveLength(2);
    // The path itself (read whole), no wildcard.
    for (const statement of registry) expect(JSON.stringify(statement.Resource)).toMatch(/:parameter\/handshake\/environments"/);
  });

  it('runs Node.js 22 or later on arm64', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Properties!.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
      expect(fn.Properties!.Architectures).toEqual(['arm64']);
    }
  });

  it('outputs the callback and actions URLs, and has no unacknowledged cdk-nag finding', () => {
    expect(Object.keys(template.toJSON().Outputs)).toEqual(expect.arrayContaining(['HttpUrl', 'CallbackUrl', 'ActionsUrl']));
    expect(violations).toEqual([]);
  });
});
