import { needsOf } from '../../infra/handler-needs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { cdkJsonContext } from '../support/cdk-json';
import { flatten, functionOf, functionsByHandler, permissionsOf, statementFor, synthesize, SYNTH_TIMEOUT_MS, type SynthesizedStack } from './synthesized-stack';

let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesize({ ...cdkJsonContext(), env: 'prod', providersPath: '/acme/oauth-apps', authOrigin: 'https://auth.example.com/' });
}, SYNTH_TIMEOUT_MS);
afterAll(() => stack?.cleanup());

describe('a protected stack (-c env=prod) with a shared auth origin and its own providers path', () => {
  it('passes cdk-nag with nothing unacknowledged', () => {
    expect(stack.stack.stackName).toBe('Handshake-prod');
    expect(stack.deployment.isProtected).toBe(true);
    expect(stack.violations).toEqual([]);
  });

  it('retains the table, with point-in-time recovery and deletion protection', () => {
    stack.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      },
    });
  });

  it('retains the key ring: a new master key would orphan every stored token', () => {
    stack.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', Properties: { Name: 'handshake/prod/keys' } });
  });

  it('retains the logs', () => {
    for (const [, r] of Object.entries(stack.json.Resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')) {
      expect(r.DeletionPolicy).toBe('Retain');
    }
  });

  it('sends providers back to the auth origin: CALLBACK_BASE_URL and the CallbackUrl output', () => {
    for (const handler of functionsByHandler(stack).keys()) {
      const variables = stack.json.Resources[functionOf(stack, handler)]!.Properties!.Environment?.Variables ?? {};
      expect(variables.CALLBACK_BASE_URL, handler).toBe(needsOf(handler).runtime ? 'https://auth.example.com' : undefined);
    }
    expect(stack.json.Outputs!.CallbackUrl!.Value).toBe('https://auth.example.com/no-auth/provider-token/{provider}');
  });

  it('reads provider settings from the -c providersPath path, and only there', () => {
    const variables = stack.json.Resources[functionOf(stack, 'provider-token')]!.Properties!.Environment.Variables;
    expect(variables.PROVIDERS_PARAMETER_PATH).toBe('/acme/oauth-apps');
    const { statements } = permissionsOf(stack, functionOf(stack, 'provider-token'));
    expect(flatten(statementFor(statements, 'ssm:GetParametersByPath').Resource)).toBe(
      'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/acme/oauth-apps',
    );
  });
});
