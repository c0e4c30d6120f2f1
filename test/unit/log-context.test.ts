import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handler as authOriginCallback } from '../../functions/auth-origin-callback/handler';
import { handler as providerAuth } from '../../functions/provider-auth/handler';
import { handler as webPages } from '../../functions/web-pages/handler';
import { handler as wsConnect } from '../../functions/ws-connect/handler';
import { localLambdaContext } from '../../local/lambda-context';
import { toV2Event } from '../../local/v2-event';
import { generateKeyRingJson, parseKeyRing } from '../../shared/crypto/keys';
import { createLogger } from '../../shared/log';
import { StaticSettings } from '../../shared/providers/settings';
import { setRouterRuntime } from '../../shared/routing/router-runtime';
import { createRuntime, setRuntime, type Runtime } from '../../shared/runtime';
import { captureOutput } from '../support/world';

/**
 * Every log line names the invocation it belongs to: Lambda's request id (`function_request_id`), whether it
 * was a cold start, the function, and as `correlation_id` API Gateway's request id, which is also the reference
 * the error page shows. Here the real handlers run with a Lambda context and an API Gateway event.
 */
const PROJECT = join(import.meta.dirname, '..', '..');
/** The shape of API Gateway's request ids (base64 with padding), not only UUIDs. */
const API_REQUEST_ID = 'Jk3bQjV-IAMEMQA=';
const CODE = 'A'.repeat(43);

type Line = Record<string, unknown>;
const linesOf = (output: string): Line[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);

/** A runtime whose table never answers: every route that touches it fails with SRV-1000. */
async function unreachableTableRuntime(): Promise<Runtime> {
  const logger = createLogger();
  // INFO whatever POWERTOOLS_LOG_LEVEL the run was started with: the refusals are INFO lines.
  logger.setLogLevel('INFO');
  return createRuntime({
    config: { environment: 'log-test', publicApiUrl: 'https://api.log-test.example', callbackBaseUrl: 'https://api.log-test.example' },
    keys: parseKeyRing(generateKeyRingJson()),
    table: { client: { send: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' })) } as unknown as DynamoDBDocumentClient, name: 'unreachable' },
    settings: new StaticSettings({ github: { clientId: 'log-client', clientSecret: 'log-secret' } }),
    logger,
  });
}

const visitEvent = (requestId: string) => {
  const event = toV2Event({ method: 'GET', url: `/web/provider-auth/github?code=${CODE}`, headers: {}, routeKey: 'GET /web/provider-auth/{provider}', pathParameters: { provider: 'github' } });
  event.requestContext.requestId = requestId;
  return event;
};

afterEach(() => {
  setRuntime(undefined);
  setRouterRuntime(undefined);
});

describe('log lines name their invocation', () => {
  it('carries function_request_id, cold_start and the API Gateway request id as correlation id, which is the error page’s reference', async () => {
    setRuntime(await unreachableTableRuntime());
    const first = localLambdaContext('provider-auth', 15_000);
    const second = localLambdaContext('provider-auth', 15_000);
    const { result, output } = await captureOutput(async () => {
      const cold = await providerAuth(visitEvent(API_REQUEST_ID), first);
      const warm = await providerAuth(visitEvent('second-request-id'), second);
      return { cold, warm };
    });

    const failures = linesOf(output).filter((line) => line.message === 'request failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      level: 'ERROR',
      service: 'handshake',
      function_request_id: first.awsRequestId,
      cold_start: true,
      function_name: 'handshake-local-provider-auth',
      function_arn: first.invokedFunctionArn,
      function_memory_size: '512',
      correlation_id: API_REQUEST_ID,
      referenceId: API_REQUEST_ID,
      route: 'provider-auth',
      errorName: 'TimeoutError',
    });
    expect(failures[1]).toMatchObject({ function_request_id: second.awsRequestId, cold_start: false, correlation_id: 'second-request-id' });

    // The person is sent to the error page with the same id as its reference, and the page shows it.
    const location = new URL(result.cold.headers.location!);
    expect(Object.fromEntries(location.searchParams)).toEqual({ code: 'SRV-1000', provider: 'github', ref: API_REQUEST_ID });
    const page = await webPages(
      toV2Event({ method: 'GET', url: `${location.pathname}${location.search}`, headers: {}, routeKey: 'GET /web/error' }),
      localLambdaContext('web-pages', 10_000),
    );
    expect(page.body).toContain(`Reference: <code>${API_REQUEST_ID}</code>`);
  });

  it('logs with the same fields before there is a runtime, and in the WebSocket and auth-origin handlers', async () => {
    const visit = localLambdaContext('provider-auth', 15_000);
    const origin = localLambdaContext('auth-origin-callback', 10_000);
    const connect = localLambdaContext('ws-connect', 10_000);
    const saved = { ...process.env };
    for (const name of ['TABLE_NAME', 'ENVIRONMENT_REGISTRY_PATH', 'ENVIRONMENT_REGISTRY_DIR']) delete process.env[name];
    const { output } = await captureOutput(async () => {
      // No runtime can be built from this environment (no TABLE_NAME): the container's logger says so.
      await providerAuth(visitEvent('no-runtime-request'), visit);
      // Nor a router runtime (no registry): the auth origin's logger.
      const callback = toV2Event({ method: 'GET', url: '/no-auth/provider-token/github?code=c&state=log-test!x', headers: {}, routeKey: 'GET /no-auth/provider-token/{provider}', pathParameters: { provider: 'github' } });
      callback.requestContext.requestId = 'origin-request-id';
      await authOriginCallback(callback, origin);

      setRuntime(await unreachableTableRuntime());
      const refused = await wsConnect({ requestContext: { routeKey: '$connect', eventType: 'CONNECT', connectionId: 'conn-log=', requestId: 'ws-request-id' } }, connect);
      expect(refused.statusCode).toBe(401);
    }).finally(() => Object.assign(process.env, saved));
    const lines = linesOf(output);
    expect(lines.find((line) => line.message === 'request failed')).toMatchObject({ service: 'handshake', function_request_id: visit.awsRequestId, correlation_id: 'no-runtime-request' });
    expect(lines.find((line) => line.message === 'callback routing failed')).toMatchObject({
      service: 'handshake-auth-origin',
      function_request_id: origin.awsRequestId,
      function_name: 'handshake-local-auth-origin-callback',
      cold_start: true,
      correlation_id: 'origin-request-id',
    });
    expect(lines.find((line) => line.message === 'me-channel connection refused')).toMatchObject({
      function_request_id: connect.awsRequestId,
      cold_start: true,
      correlation_id: 'ws-request-id',
      errorCode: 'AUTH-1001',
    });
    for (const line of lines) expect(line.function_request_id, String(line.message)).toEqual(expect.any(String));
  });

  it('gives an invocation without an API Gateway request id a reference of its own, still on every line', async () => {
    setRuntime(await unreachableTableRuntime());
    const context = localLambdaContext('provider-auth', 15_000);
    const event = visitEvent('');
    const { result, output } = await captureOutput(() => providerAuth(event, context));
    const ref = new URL(result.headers.location!).searchParams.get('ref');
    expect(ref).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesOf(output).find((line) => line.message === 'request failed')).toMatchObject({ correlation_id: ref, referenceId: ref });
  });
});

describe('handlers log through the service logger only', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });

  it('has no console.* in any file under functions/, nor in the route wrappers', () => {
    const sources = [...files(join(PROJECT, 'functions')), join(PROJECT, 'shared', 'http', 'routes.ts')];
    expect(sources.length).toBeGreaterThan(15);
    const offending = sources.filter((file) => /\bconsole\s*\./.test(readFileSync(file, 'utf8')));
    expect(offending).toEqual([]);
  });
});
