import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createHandshakeApp, type HandshakeApp } from '../../infra/handshake-app';
import { cdkJsonContext } from '../support/cdk-json';

/** Generous: the machine is shared, and the first import of aws-cdk-lib alone takes seconds. */
export const SYNTH_TIMEOUT_MS = 180_000;

type Resource = { Type: string; Properties?: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export interface SynthesizedStack extends HandshakeApp {
  template: Template;
  json: { Resources: Record<string, Resource>; Outputs?: Record<string, { Value: unknown }> };
  /** Violations of the policy validation report (cdk-nag 3 reports there, not as annotations). */
  violations: { pluginName: string; ruleName: string; severity: string }[];
  cleanup(): void;
}

/**
 * Synthesizes the app exactly as `infra/app.ts` does (cdk-nag included) with the given context, but without
 * bundling: `aws:cdk:bundling-stacks: []` is the CDK's own switch for that, and the one real bundle is built
 * by the `cdk synth` test. A synth with an unacknowledged cdk-nag error throws here.
 */
export function synthesize(context: Record<string, unknown>): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'handshake-infra-'));
  const built = createHandshakeApp({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
  const assembly = built.app.synth();
  const json = assembly.getStackByName(built.stack.stackName).template;
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
  };
  return {
    ...built,
    template: Template.fromJSON(json),
    json,
    violations: report.pluginReports.flatMap((plugin) => plugin.violations.map((v) => ({ pluginName: plugin.pluginName, ...v }))),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Logical id of the Lambda function deployed from `functions/<handler>` (its description names the folder). */
export function functionOf(stack: SynthesizedStack, handler: string): string {
  const ids = Object.entries(stack.json.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Description === `handshake ${handler}`)
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one function for ${handler}, found ${ids.length}`);
  return ids[0]!;
}

/** handler folder → function logical id, for every function of the stack. */
export function functionsByHandler(stack: SynthesizedStack): Map<string, string> {
  const map = new Map<string, string>();
  for (const [id, r] of Object.entries(stack.json.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    map.set(String(r.Properties?.Description).replace(/^handshake /, ''), id);
  }
  return map;
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement any policy grants the function's role, and the role's managed policies. */
export function permissionsOf(stack: SynthesizedStack, functionId: string): { statements: PolicyStatement[]; managedPolicies: unknown[] } {
  const fn = stack.json.Resources[functionId]!;
  const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = stack.json.Resources[roleId]!;
  const statements: PolicyStatement[] = [];
  for (const policy of role.Properties?.Policies ?? []) statements.push(...policy.PolicyDocument.Statement);
  for (const r of Object.values(stack.json.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    if (!(r.Properties!.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId)) continue;
    statements.push(...r.Properties!.PolicyDocument.Statement);
  }
  return { statements, managedPolicies: role.Properties?.ManagedPolicyArns ?? [] };
}

export const actionsOf = (statements: PolicyStatement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

/** The statement that grants `action` (exactly one). */
export function statementFor(statements: PolicyStatement[], action: string): PolicyStatement {
  const found = statements.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action));
  if (found.length !== 1) throw new Error(`expected one statement granting ${action}, found ${found.length}`);
  return found[0]!;
}

/** A CloudFormation value with its intrinsics flattened to a readable string: `{Ref: X}` → `<X>`. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join('');
  const v = value as Record<string, any>;
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}
