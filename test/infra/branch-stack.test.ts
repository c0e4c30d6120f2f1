import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { API_ROUTES } from '../../shared/http/api-routes';
import { isEnvironmentName } from '../../shared/state';
import { needsOf } from '../../infra/handler-needs';
import { cdkJsonContext } from '../support/cdk-json';
import {
  actionsOf,
  flatten,
  functionOf,
  functionsByHandler,
  permissionsOf,
  statementFor,
  synthesize,
  SYNTH_TIMEOUT_MS,
  type SynthesizedStack,
} from './synthesized-stack';

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const KEYS = ['secretsmanager:GetSecretValue', 'ssm:GetParameter'];
const PROVIDERS = ['ssm:GetParametersByPath'];
const CONNECTIONS = ['execute-api:ManageConnections'];

/**
 * What infra/handler-needs.ts asks for, as IAM actions. Whether that is what each handler really uses is
 * test/security/least-privilege.test.ts's question (it runs the flows); this file checks the synth gives it.
 */
function actionsFromNeeds(handler: string): string[] {
  const needs = needsOf(handler);
  return [
    ...LOGS,
    ...(needs.runtime?.table ?? []),
    ...(needs.keys ? KEYS : []),
    ...(needs.runtime?.providers ? PROVIDERS : []),
    ...(needs.runtime?.publishes || needs.runtime?.closes ? CONNECTIONS : []),
  ].sort();
}

const RUNTIME_VARIABLES = ['RUN_TIME_ENVIRONMENT', 'PUBLIC_API_URL', 'TABLE_NAME'];

let stack: SynthesizedStack;

beforeAll(() => {
  stack = synthesize({ ...cdkJsonContext(), env: 'feature-x' });
}, SYNTH_TIMEOUT_MS);
afterAll(() => stack?.cleanup());

const resourcesOf = (type: string) => Object.entries(stack.json.Resources).filter(([, r]) => r.Type === type);
/** The logical id of the one resource of `type` (that matches `where`). */
function idOf(type: string, where: (properties: Record<string, any>) => boolean = () => true): string {
  const ids = resourcesOf(type)
    .filter(([, r]) => where(r.Properties ?? {}))
    .map(([id]) => id);
  expect(ids, type).toHaveLength(1);
  return ids[0]!;
}
const apiId = (protocol: 'HTTP' | 'WEBSOCKET') => idOf('AWS::ApiGatewayV2::Api', (p) => p.ProtocolType === protocol);
const variablesOf = (handler: string): Record<string, unknown> =>
  stack.json.Resources[functionOf(stack, handler)]!.Properties!.Environment?.Variables ?? {};

describe('a branch stack (-c env=feature-x)', () => {
  it('is named Handshake-<env> and passes cdk-nag with nothing unacknowledged', () => {
    expect(stack.stack.stackName).toBe('Handshake-feature-x');
    // The stack itself carries the tag (explicit stack tags), not only its resources.
    expect(stack.app.synth().getStackByName('Handshake-feature-x').tags).toMatchObject({ 'handshake:environment': 'feature-x' });
    expect(isEnvironmentName(stack.deployment.environment)).toBe(true);
    // Errors would have thrown in synth; warnings would only be listed. Neither may be there.
    expect(stack.violations).toEqual([]);
  });

  it('serves exactly the routes of API_ROUTES, each with its own handler, payload format 2.0', () => {
    const routes = resourcesOf('AWS::ApiGatewayV2::Route').filter(([, r]) => flatten(r.Properties!.ApiId) === `<${apiId('HTTP')}>`);
    const served = routes.map(([, r]) => {
      const integrationId = flatten(r.Properties!.Target).replace(/^integrations\/<(.+)>$/, '$1');
      const integration = stack.json.Resources[integrationId]!;
      expect(integration.Properties!.PayloadFormatVersion).toBe('2.0');
      const functionId = flatten(integration.Properties!.IntegrationUri).replace(/^<(.+)\.Arn>$/, '$1');
      const handler = [...functionsByHandler(stack)].find(([, id]) => id === functionId)?.[0];
      return `${r.Properties!.RouteKey} -> ${handler}`;
    });
    expect(served.sort()).toEqual(API_ROUTES.map((route) => `${route.method} ${route.path} -> ${route.handler}`).sort());
  });

  it('throttles the public routes harder than the stage, and logs access as JSON without query strings', () => {
    const stage = stack.json.Resources[idOf('AWS::ApiGatewayV2::Stage', (p) => p.StageName === '$default')] as { Properties: Record<string, any> };
    const publicKeys = API_ROUTES.filter((r) => r.public).map((r) => `${r.method} ${r.path}`);
    expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual(publicKeys.sort());
    const defaults = stage.Properties.DefaultRouteSettings;
    for (const settings of Object.values<Record<string, number>>(stage.Properties.RouteSettings)) {
      expect(settings.ThrottlingRateLimit).toBeLessThan(defaults.ThrottlingRateLimit);
      expect(settings.ThrottlingBurstLimit).toBeLessThan(defaults.ThrottlingBurstLimit);
    }
    expect(stage.Properties.AutoDeploy).toBe(true);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format.requestId).toBe('$context.requestId');
    expect(JSON.stringify(format)).not.toMatch(/querystring|rawQueryString|\$request\.querystring/i);
    const logGroupId = flatten(stage.Properties.AccessLogSettings.DestinationArn).replace(/^<(.+)\.Arn>$/, '$1');
    expect(stack.json.Resources[logGroupId]!.Properties!.RetentionInDays).toBeGreaterThan(0);
  });

  it('routes $connect, $disconnect and ping to ws-connect, ws-disconnect and ws-ping on the live stage', () => {
    const routes = resourcesOf('AWS::ApiGatewayV2::Route')
      .filter(([, r]) => flatten(r.Properties!.ApiId) === `<${apiId('WEBSOCKET')}>`)
      .map(([, r]) => {
        const integrationId = flatten(r.Properties!.Target).replace(/^integrations\/<(.+)>$/, '$1');
        const uri = flatten(stack.json.Resources[integrationId]!.Properties!.IntegrationUri);
        const handler = [...functionsByHandler(stack)].find(([, id]) => uri.includes(`<${id}.Arn>`))?.[0];
        return `${r.Properties!.RouteKey} -> ${handler}`;
      });
    expect(routes.sort()).toEqual(['$connect -> ws-connect', '$disconnect -> ws-disconnect', 'ping -> ws-ping']);
    // ping is two-way: the handler's answer goes back on the connection.
    const ping = resourcesOf('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties!.RouteKey === 'ping')!;
    expect(ping[1].Properties!.RouteResponseSelectionExpression).toBe('$default');
    stack.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    stack.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'live', AutoDeploy: true });
  });

  it('gives the management endpoint to the handlers that post to or close connections only', () => {
    const endpoint = `https://<${apiId('WEBSOCKET')}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/live`;
    for (const handler of functionsByHandler(stack).keys()) {
      const publishes = actionsFromNeeds(handler).includes('execute-api:ManageConnections');
      const variable = variablesOf(handler).MECHANNEL_ENDPOINT;
      expect(variable === undefined ? undefined : flatten(variable), handler).toBe(publishes ? endpoint : undefined);
    }
  });

  it('keeps everything in one table: pk/sk strings, TTL on ttl, on demand, deleted with the branch', () => {
    stack.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    stack.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false }, DeletionProtectionEnabled: false })],
      },
    });
  });

  it('leaves nothing behind when the branch stack is deleted', () => {
    const retained = Object.entries(stack.json.Resources).filter(([, r]) => r.DeletionPolicy === 'Retain' || r.UpdateReplacePolicy === 'Retain');
    expect(retained.map(([id]) => id)).toEqual([]);
  });

  it('generates the key ring as a secret named after the environment, never in the template', () => {
    stack.template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Delete',
      Properties: {
        Name: 'handshake/feature-x/keys',
        GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'master', PasswordLength: 64, ExcludePunctuation: true },
        SecretString: Match.absent(),
      },
    });
  });

  it('registers the environment: /handshake/environments/<env> = the HTTP API URL', () => {
    const httpApiId = apiId('HTTP');
    stack.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/handshake/environments/feature-x',
      Type: 'String',
      Value: { 'Fn::GetAtt': [httpApiId, 'ApiEndpoint'] },
    });
  });

  it('runs every handler on Node.js 22 or later, arm64, as a source-mapped ES module', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions.length).toBe(new Set([...API_ROUTES.map((r) => r.handler), 'ws-connect', 'ws-disconnect', 'ws-ping']).size);
    for (const [, fn] of functions) {
      const [, major] = /^nodejs(\d+)\.x$/.exec(fn.Properties!.Runtime) ?? [];
      expect(Number(major), fn.Properties!.Description).toBeGreaterThanOrEqual(22);
      expect(fn.Properties!.Architectures).toEqual(['arm64']);
      expect(fn.Properties!.Handler).toBe('index.handler');
      expect(fn.Properties!.Environment?.Variables?.NODE_OPTIONS).toBeUndefined();
      expect(fn.Properties!.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  it('configures each handler through the documented environment variables only', () => {
    for (const handler of functionsByHandler(stack).keys()) {
      const { POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_ENABLED, ...variables } = variablesOf(handler);
      // Every function logs and counts the same way, whatever it touches.
      expect({ POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_ENABLED }, handler).toEqual({
        POWERTOOLS_SERVICE_NAME: 'handshake',
        POWERTOOLS_METRICS_NAMESPACE: 'Handshake',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_TRACE_ENABLED: 'false',
      });
      expect(variables.RUN_TIME_ENVIRONMENT, handler).toBe('feature-x');
      if (!needsOf(handler).runtime && !needsOf(handler).keys) {
        expect(variables, handler).toEqual({ RUN_TIME_ENVIRONMENT: 'feature-x' });
        continue;
      }
      if (handler === 'web-pages') {
        expect(variables).toEqual({ RUN_TIME_ENVIRONMENT: 'feature-x', HANDSHAKE_KEYS_PARAMETER: '/aws/reference/secretsmanager/handshake/feature-x/keys' });
        continue;
      }
      for (const name of RUNTIME_VARIABLES) expect(variables, `${handler} ${name}`).toHaveProperty(name);
      expect(variables.RUN_TIME_ENVIRONMENT).toBe('feature-x');
      // The key ring's name only where the key ring may be read: providers, provider-action and ws-disconnect use no key.
      const readsKeys = actionsFromNeeds(handler).includes('ssm:GetParameter');
      expect(variables.HANDSHAKE_KEYS_PARAMETER, handler).toBe(readsKeys ? '/aws/reference/secretsmanager/handshake/feature-x/keys' : undefined);
      expect(variables).not.toHaveProperty('CALLBACK_BASE_URL');
      const readsProviders = actionsFromNeeds(handler).includes('ssm:GetParametersByPath');
      expect(variables.PROVIDERS_PARAMETER_PATH).toBe(readsProviders ? '/handshake/feature-x/providers' : undefined);
    }
  });

  it('grants each handler exactly what infra/handler-needs.ts names, and no managed policy', () => {
    for (const handler of functionsByHandler(stack).keys()) {
      const { statements, managedPolicies } = permissionsOf(stack, functionOf(stack, handler));
      expect(actionsOf(statements), handler).toEqual([...new Set(actionsFromNeeds(handler))].sort());
      expect(managedPolicies, handler).toEqual([]);
      for (const action of actionsOf(statements)) expect(action).not.toContain('*');
      for (const statement of statements) expect(statement.Effect).toBe('Allow');
    }
  });

  it('scopes every grant to its resource: own log group, the table, the key ring, the providers path, POST or DELETE on live connections', () => {
    const tableId = idOf('AWS::DynamoDB::GlobalTable');
    const secretId = idOf('AWS::SecretsManager::Secret');
    const wsApiId = apiId('WEBSOCKET');
    const ssm = 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter';
    for (const handler of functionsByHandler(stack).keys()) {
      const functionId = functionOf(stack, handler);
      const { statements } = permissionsOf(stack, functionId);
      const logGroup = flatten(stack.json.Resources[functionId]!.Properties!.LoggingConfig.LogGroup);
      expect(flatten(statementFor(statements, 'logs:PutLogEvents').Resource)).toBe(logGroup.replace(/>$/, '.Arn>'));
      for (const statement of statements) {
        const resource = flatten(statement.Resource);
        const actions = actionsOf([statement]);
        if (actions.some((a) => a.startsWith('dynamodb:'))) expect(resource).toBe(`<${tableId}.Arn>`);
        if (actions.includes('ssm:GetParameter')) expect(resource).toBe(`${ssm}/aws/reference/secretsmanager/handshake/feature-x/keys`);
        if (actions.includes('secretsmanager:GetSecretValue')) expect(resource).toBe(`<${secretId}>`);
        if (actions.includes('ssm:GetParametersByPath')) expect(resource).toBe(`${ssm}/handshake/feature-x/providers`);
        if (actions.includes('execute-api:ManageConnections')) {
          const method = needsOf(handler).runtime?.closes ? 'DELETE' : 'POST';
          expect(resource, handler).toBe(`arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${wsApiId}>/live/${method}/@connections/*`);
        }
        if (!actions.includes('execute-api:ManageConnections')) expect(resource, `${handler} ${actions}`).not.toContain('*');
      }
    }
  });

  it('outputs the HTTP URL, the WebSocket URL and the callback URL to register with providers', () => {
    const outputs = stack.json.Outputs!;
    const httpApiId = apiId('HTTP');
    const wsApiId = apiId('WEBSOCKET');
    expect(flatten(outputs.HttpUrl!.Value)).toBe(`<${httpApiId}.ApiEndpoint>`);
    expect(flatten(outputs.WebSocketUrl!.Value)).toBe(`wss://<${wsApiId}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/live`);
    expect(flatten(outputs.CallbackUrl!.Value)).toBe(`<${httpApiId}.ApiEndpoint>/no-auth/provider-token/{provider}`);
  });
});
