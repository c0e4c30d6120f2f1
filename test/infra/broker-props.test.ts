import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../shared/http/api-routes';
import { PROJECT_ROOT } from '../../infra/handshake-app';
import { HandshakeAuthOrigin, HandshakeBroker, HANDSHAKE_METRICS, type HandshakeBrokerProps } from '../../infra/index';
import { cdkJsonContext } from '../support/cdk-json';
import { flatten, SYNTH_TIMEOUT_MS } from './synthesized-stack';

/**
 * Every prop of `HandshakeBroker` and `HandshakeAuthOrigin` as the template shows it, with cdk-nag's AWS
 * Solutions checks on (an unacknowledged finding fails the synth). No bundling: the template is the point.
 */
type Resource = { Type: string; Properties?: Record<string, any> };
interface Synth {
  resources: [string, Resource][];
  violations: unknown[];
  cleanup(): void;
}

function synth(build: (stack: Stack) => void): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'handshake-props-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Team', { env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = app.synth().getStackByName('Team').template as { Resources: Record<string, Resource> };
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
  return { resources: Object.entries(template.Resources), violations: report.pluginReports.flatMap((p) => p.violations), cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

const ofType = (s: Synth, type: string) => s.resources.filter(([, r]) => r.Type === type);
const functionsOf = (s: Synth) => new Map(ofType(s, 'AWS::Lambda::Function').map(([id, r]) => [String(r.Properties!.Description).replace(/^handshake /, ''), { id, props: r.Properties! }]));
/** Handlers that serve public routes only: what `publicReservedConcurrency` covers. */
const PUBLIC_ONLY = new Set(API_ROUTES.filter((r) => r.public && API_ROUTES.every((o) => o.handler !== r.handler || o.public)).map((r) => r.handler));

let full: Synth;
let plain: Synth;
let origin: Synth;

beforeAll(() => {
  full = synth((stack) => {
    const props: HandshakeBrokerProps = {
      environmentName: 'team',
      protected: true,
      providersPath: '/team/handshake/providers',
      authOrigin: 'https://callback.example.com/',
      domain: {
        domainName: 'auth.example.com',
        meChannelDomainName: 'ws.auth.example.com',
        certificate: Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/abc'),
        hostedZone: HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123', zoneName: 'example.com' }),
      },
      logLevel: 'DEBUG',
      memorySize: 1024,
      successUrl: 'https://ide.example.com/connected',
      errorUrl: 'https://ide.example.com/failed',
      publicReservedConcurrency: 20,
      alarmTopic: new Topic(stack, 'Alarms', { enforceSSL: true }),
      tracing: true,
      meChannelAccessLogs: true,
      handlerCode: { sources: PROJECT_ROOT },
    };
    new HandshakeBroker(stack, 'Handshake', props);
  });
  plain = synth((stack) => new HandshakeBroker(stack, 'Handshake', { environmentName: 'plain', handlerCode: { sources: PROJECT_ROOT } }));
  origin = synth(
    (stack) =>
      new HandshakeAuthOrigin(stack, 'Origin', {
        handlerCode: { sources: PROJECT_ROOT },
        reservedConcurrency: 5,
        tracing: true,
        alarmTopic: new Topic(stack, 'Alarms', { enforceSSL: true }),
        domain: { domainName: 'callback.example.com', certificate: Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/abc') },
      }),
  );
}, SYNTH_TIMEOUT_MS);
afterAll(() => [full, plain, origin].forEach((s) => s?.cleanup()));

describe('HandshakeBroker props', () => {
  it('passes cdk-nag with every prop on, and with none', () => {
    expect(full.violations).toEqual([]);
    expect(plain.violations).toEqual([]);
    expect(origin.violations).toEqual([]);
  });

  it('domain: both APIs on their own names with the certificate, alias records, and every URL built from them', () => {
    const names = ofType(full, 'AWS::ApiGatewayV2::DomainName').map(([, r]) => r.Properties!);
    expect(names.map((n) => n.DomainName).sort()).toEqual(['auth.example.com', 'ws.auth.example.com']);
    for (const name of names) expect(name.DomainNameConfigurations[0].CertificateArn).toBe('arn:aws:acm:eu-west-1:111111111111:certificate/abc');
    expect(ofType(full, 'AWS::ApiGatewayV2::ApiMapping')).toHaveLength(2);
    expect(ofType(full, 'AWS::Route53::RecordSet').map(([, r]) => `${r.Properties!.Type} ${r.Properties!.Name}`).sort()).toEqual([
      'A auth.example.com.',
      'A ws.auth.example.com.',
      'AAAA auth.example.com.',
      'AAAA ws.auth.example.com.',
    ]);
    const claim = functionsOf(full).get('check-signup')!.props.Environment.Variables;
    expect(claim.PUBLIC_API_URL).toBe('https://auth.example.com');
    expect(claim.CALLBACK_BASE_URL).toBe('https://callback.example.com');
    const registry = ofType(full, 'AWS::SSM::Parameter').map(([, r]) => r.Properties!.Value);
    expect(registry).toContain('https://auth.example.com');
    // Without a domain, the execute-api hosts.
    expect(flatten(functionsOf(plain).get('check-signup')!.props.Environment.Variables.PUBLIC_API_URL)).toMatch(/^<.+\.ApiEndpoint>$/);
    expect(ofType(plain, 'AWS::ApiGatewayV2::DomainName')).toHaveLength(0);
  });

  it('alarmTopic: every alarm notifies the topic on ALARM and OK; without it the alarms exist and notify nobody', () => {
    const functions = functionsOf(full).size;
    const alarms = ofType(full, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2 * functions + 3);
    const [topic] = ofType(full, 'AWS::SNS::Topic').map(([id]) => id);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties!.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties!.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties!.TreatMissingData).toBe('notBreaching');
    }
    const expressions = alarms.flatMap(([, a]) => (a.Properties!.Metrics ?? []).map((m: { Expression?: string }) => m.Expression).filter(Boolean));
    expect(expressions).toEqual(
      expect.arrayContaining([expect.stringMatching(/100 \* failed \/ \(completed \+ failed\)/), expect.stringMatching(/100 \* errors \/ requests/), 'reads + writes']),
    );
    const handshakeAlarm = alarms.find(([id]) => id.includes('HandshakeFailureRate'))![1];
    const used = handshakeAlarm.Properties!.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
    expect(used).toEqual(
      expect.arrayContaining([
        { Namespace: 'Handshake', MetricName: HANDSHAKE_METRICS.failed, Dimensions: expect.arrayContaining([{ Name: 'service', Value: 'handshake' }, { Name: 'environment', Value: 'team' }]) },
      ]),
    );
    for (const [, alarm] of ofType(plain, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties!.AlarmActions).toBeUndefined();
  });

  it('one dashboard named after the environment, graphing the handshake metrics', () => {
    const [[, dashboard]] = ofType(full, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    expect(dashboard.Properties!.DashboardName).toBe('handshake-team');
    const body = flatten(dashboard.Properties!.DashboardBody);
    for (const name of Object.values(HANDSHAKE_METRICS)) expect(body).toContain(name);
  });

  it('publicReservedConcurrency: on the functions that serve public routes only', () => {
    for (const [handler, fn] of functionsOf(full)) {
      expect(fn.props.ReservedConcurrentExecutions, handler).toBe(PUBLIC_ONLY.has(handler) ? 20 : undefined);
    }
    expect(PUBLIC_ONLY).toEqual(new Set(['provider-auth-code', 'provider-auth', 'provider-token', 'check-signup', 'web-pages', 'provider-action', 'providers']));
    for (const [, fn] of functionsOf(plain)) expect(fn.props.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('tracing, logLevel, memorySize, successUrl, errorUrl: on every function', () => {
    for (const [handler, fn] of functionsOf(full)) {
      expect(fn.props.TracingConfig, handler).toEqual({ Mode: 'Active' });
      expect(fn.props.MemorySize, handler).toBe(1024);
      expect(fn.props.Environment.Variables, handler).toMatchObject({ POWERTOOLS_TRACE_ENABLED: 'true', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    }
    expect(functionsOf(full).get('provider-token')!.props.Environment.Variables).toMatchObject({ SUCCESS_URL: 'https://ide.example.com/connected', ERROR_URL: 'https://ide.example.com/failed' });
    for (const [handler, fn] of functionsOf(plain)) {
      expect(fn.props.TracingConfig, handler).toBeUndefined();
      expect(fn.props.MemorySize, handler).toBe(512);
      expect(fn.props.Environment.Variables, handler).toMatchObject({ POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO' });
      expect(fn.props.Environment.Variables.SUCCESS_URL).toBeUndefined();
    }
  });

  it('meChannelAccessLogs: the WebSocket stage writes JSON access logs without query strings', () => {
    const stages = ofType(full, 'AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties!);
    const ws = stages.find((s) => s.StageName === 'live')!;
    expect(ws.AccessLogSettings.DestinationArn).toBeDefined();
    expect(Object.keys(JSON.parse(ws.AccessLogSettings.Format))).toEqual(expect.arrayContaining(['requestId', 'eventType', 'connectionId', 'status']));
    expect(ws.AccessLogSettings.Format).not.toMatch(/querystring|rawQuery/i);
    expect(ofType(plain, 'AWS::ApiGatewayV2::Stage').find(([, r]) => r.Properties!.StageName === 'live')![1].Properties!.AccessLogSettings).toBeUndefined();
  });

  it('protected and providersPath: the table retained and protected, the grant on the given path', () => {
    const [[, table]] = ofType(full, 'AWS::DynamoDB::GlobalTable') as [[string, Resource & { DeletionPolicy?: string }]];
    expect(table.Properties!.Replicas[0]).toMatchObject({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    expect((table as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    expect(functionsOf(full).get('providers')!.props.Environment.Variables.PROVIDERS_PARAMETER_PATH).toBe('/team/handshake/providers');
    expect(functionsOf(plain).get('providers')!.props.Environment.Variables.PROVIDERS_PARAMETER_PATH).toBe('/handshake/plain/providers');
  });

  it('refuses an environment name that is not a DNS label', () => {
    expect(() => synth((stack) => new HandshakeBroker(stack, 'Bad', { environmentName: 'Feature_X', handlerCode: { sources: PROJECT_ROOT } }))).toThrow(/lowercase DNS label/);
  });
});

describe('HandshakeAuthOrigin props', () => {
  it('domain, reserved concurrency, tracing and alarms on the topic', () => {
    expect(ofType(origin, 'AWS::ApiGatewayV2::DomainName').map(([, r]) => r.Properties!.DomainName)).toEqual(['callback.example.com']);
    const functions = ofType(origin, 'AWS::Lambda::Function');
    for (const [, fn] of functions) {
      expect(fn.Properties!.ReservedConcurrentExecutions).toBe(5);
      expect(fn.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
    }
    const alarms = ofType(origin, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2 * functions.length + 1);
    for (const [, alarm] of alarms) expect(alarm.Properties!.AlarmActions).toHaveLength(1);
    expect(ofType(origin, 'AWS::CloudWatch::Dashboard').map(([, r]) => r.Properties!.DashboardName)).toEqual(['handshake-auth-origin']);
  });
});
