import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { challengeOf, createVerifier } from '../../client/verifier';
import { handler as authOriginCallback } from '../../functions/auth-origin-callback/handler';
import { handler as providerAuth } from '../../functions/provider-auth/handler';
import { handler as providerAuthCode } from '../../functions/provider-auth-code/handler';
import { handler as providerToken } from '../../functions/provider-token/handler';
import { handler as providers } from '../../functions/providers/handler';
import { handler as wsConnect } from '../../functions/ws-connect/handler';
import { generateKeyRingJson, parseKeyRing } from '../../shared/crypto/keys';
import { setPageKeys } from '../../shared/http/page-keys';
import { bearerToken, formParams, header, queryParams, rawQuery, requestCookies } from '../../shared/http/request';
import { connectToken } from '../../shared/http/websocket-event';
import { StaticSettings } from '../../shared/providers/settings';
import { directoryRegistry } from '../../shared/routing/registry';
import { setRouterRuntime } from '../../shared/routing/router-runtime';
import { createLogger } from '../../shared/log';
import { createRuntime, setRuntime, type Runtime } from '../../shared/runtime';
import { liveConnections } from '../../shared/stores/connections';
import { ensureTable, localDocumentClient, startDynamoEmulator, type LocalDynamo } from '../../local/dynamodb';
import { register } from '../../local/stack';
import { toV2Event } from '../../local/v2-event';
import { consoleConnectEvent, consoleHttpEvent } from '../support/console-events';

/**
 * The Lambda console's and SAM's test events write header names in any case, leave `cookies` out (the cookie
 * is in a `Cookie` header) and give the query only as `queryStringParameters`. The handlers read them as they
 * read API Gateway's own events, and a real event's repeated parameter is still refused.
 */

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('reading console and SAM test events', () => {
  it('reads the cookie, content type and Bearer token whatever the case of the header names', () => {
    for (const [cookie, contentType, authorization] of [
      ['Cookie', 'Content-Type', 'Authorization'],
      ['cookie', 'content-type', 'authorization'],
      ['COOKIE', 'CONTENT-TYPE', 'AUTHORIZATION'],
    ] as const) {
      const event = consoleHttpEvent({
        routeKey: 'POST /web/provider-auth/{provider}',
        path: '/web/provider-auth/github',
        headers: { [cookie]: 'hs_csrf=abc; other=1', [contentType]: 'application/x-www-form-urlencoded; charset=UTF-8', [authorization]: 'Bearer session-token' },
        body: 'code=c&userCode=ABCD-EFGH',
      });
      expect(event.cookies, cookie).toBeUndefined();
      expect(requestCookies(event), cookie).toEqual({ hs_csrf: 'abc', other: '1' });
      expect(formParams(event), contentType).toEqual({ code: 'c', userCode: 'ABCD-EFGH' });
      expect(bearerToken(event), authorization).toBe('session-token');
    }
    expect(header(consoleHttpEvent({ routeKey: 'GET /providers', path: '/providers' }), 'host')).toBe('id.execute-api.us-east-1.amazonaws.com');
  });

  it('takes the cookies API Gateway split out over a Cookie header, as in real events', () => {
    const real = toV2Event({ method: 'GET', url: '/no-auth/provider-token/github', headers: { Cookie: 'a=1; b=2' }, routeKey: 'GET /no-auth/provider-token/{provider}' });
    expect(real.cookies).toEqual(['a=1', 'b=2']);
    expect(requestCookies(real)).toEqual({ a: '1', b: '2' });
  });

  it('reads a query given only as queryStringParameters, rawQueryString absent or empty', () => {
    for (const emptyRawQueryString of [false, true]) {
      const event = consoleHttpEvent({
        routeKey: 'GET /web/error',
        path: '/web/error',
        query: { code: 'AUTH-1002', provider: 'github', next: 'a b&c=d' },
        emptyRawQueryString,
      });
      expect(event.rawQueryString).toBe(emptyRawQueryString ? '' : undefined);
      expect(queryParams(event)).toEqual({ code: 'AUTH-1002', provider: 'github', next: 'a b&c=d' });
      // Re-serialised: a value's `&` stays inside the value.
      expect(new URLSearchParams(rawQuery(event)).get('next')).toBe('a b&c=d');
    }
    expect(rawQuery(consoleHttpEvent({ routeKey: 'GET /web/error', path: '/web/error' }))).toBe('');
  });

  it('refuses state=a&state=b in a real-shaped event, whose parsed form joins them into one value (RAPI-1001)', () => {
    const real = toV2Event({ method: 'GET', url: '/no-auth/provider-token/github?code=x&state=a&state=b', headers: {}, routeKey: 'GET /no-auth/provider-token/{provider}' });
    expect(real.queryStringParameters).toEqual({ code: 'x', state: 'a,b' });
    expect(refusal(() => queryParams(real))).toBe('RAPI-1001');
    expect(rawQuery(real)).toBe('code=x&state=a&state=b');
  });

  it('reads the session token of a console $connect event, from Authorization or ?token=', () => {
    expect(connectToken(consoleConnectEvent({ headers: { Authorization: 'Bearer from-header' } }))).toBe('from-header');
    expect(connectToken(consoleConnectEvent({ query: { token: 'from-query' } }))).toBe('from-query');
    expect(connectToken(consoleConnectEvent())).toBeUndefined();
  });
});

describe('the handlers, given console-shaped events', () => {
  const PUBLIC_API_URL = 'https://api.console-test.example';
  const ENVIRONMENT = 'console-test';
  const TABLE = 'handshake-console-events';
  let dynamo: LocalDynamo;
  let client: DynamoDBDocumentClient;
  let rt: Runtime;
  let registryDir: string;
  let session: string;

  beforeAll(async () => {
    dynamo = await startDynamoEmulator();
    await ensureTable(dynamo.endpoint, TABLE);
    client = localDocumentClient(dynamo.endpoint);
    rt = await createRuntime({
      config: { environment: ENVIRONMENT, publicApiUrl: PUBLIC_API_URL, callbackBaseUrl: PUBLIC_API_URL },
      keys: parseKeyRing(generateKeyRingJson()),
      table: { client, name: TABLE },
      settings: new StaticSettings({ github: { clientId: 'console-client', clientSecret: 'console-secret' } }),
      // No provider is called: every flow here stops before the code exchange.
      http: { fetch: () => Promise.reject(new Error('no provider call expected')), timeoutMs: 1_000 },
    });
    setRuntime(rt);
    setPageKeys({ key: rt.keys.pages, environment: ENVIRONMENT });
    session = await rt.sessions.issue({ userId: 'user-console', account: 'ada@example.com' });
    registryDir = await mkdtemp(join(tmpdir(), 'handshake-console-registry-'));
    await register(registryDir, ENVIRONMENT, PUBLIC_API_URL);
    setRouterRuntime({ registry: directoryRegistry(registryDir), fetch: globalThis.fetch, actionTimeoutMs: 1_000, logger: createLogger('console-events-test') });
  });

  afterAll(async () => {
    setRuntime(undefined);
    setPageKeys(undefined);
    setRouterRuntime(undefined);
    client?.destroy();
    await dynamo?.close();
    if (registryDir) await rm(registryDir, { recursive: true, force: true });
  });

  const errorCodeOf = (location: string | undefined) => new URL(location ?? '', PUBLIC_API_URL).searchParams.get('code');
  const cookiePair = (setCookie: string | undefined) => setCookie?.split(';')[0] ?? '';

  it('GET /providers answers the list', async () => {
    const response = await providers(consoleHttpEvent({ routeKey: 'GET /providers', path: '/providers' }));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!) as { providers: { id: string; configured: boolean }[] };
    expect(body.providers.find((p) => p.id === 'github')).toMatchObject({ configured: true });
  });

  it('walks a poll-mode connect on console events: Authorization, Content-Type and Cookie capitalised, queries parsed only', async () => {
    const verifier = createVerifier();
    const start = (headers: Record<string, string>) =>
      providerAuthCode(
        consoleHttpEvent({
          routeKey: 'POST /provider-auth-code',
          path: '/provider-auth-code',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ provider: 'github', flow: 'connect', challenge: challengeOf(verifier), challengeMethod: 'S256' }),
        }),
      );
    // Without the session a connect is refused: the Authorization header is what lets the next one through.
    const anonymous = await start({});
    expect(anonymous.statusCode).toBe(401);
    expect(JSON.parse(anonymous.body!).code).toBe('AUTH-1001');
    const started = await start({ Authorization: `Bearer ${session}` });
    expect(started.statusCode, started.body).toBe(200);
    const { code, userCode } = JSON.parse(started.body!) as { code: string; userCode: string };
    expect(userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    // The visit: the handshake code only in queryStringParameters.
    const page = await providerAuth(consoleHttpEvent({ routeKey: 'GET /web/provider-auth/{provider}', path: '/web/provider-auth/github', pathParameters: { provider: 'github' }, query: { code } }));
    expect(page.statusCode, page.headers?.location).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body!)?.[1];
    const csrfCookie = cookiePair(page.cookies?.[0]);
    expect(csrf).toBeTruthy();
    expect(csrfCookie).toMatch(/^hs_csrf=/);

    // The confirmation post: the CSRF cookie only in a `Cookie` header, the form's type as `Content-Type`.
    const confirmed = await providerAuth(
      consoleHttpEvent({
        routeKey: 'POST /web/provider-auth/{provider}',
        path: '/web/provider-auth/github',
        pathParameters: { provider: 'github' },
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: csrfCookie, 'Sec-Fetch-Site': 'same-origin', Origin: PUBLIC_API_URL },
        body: new URLSearchParams({ code, csrf: csrf!, userCode }).toString(),
      }),
    );
    expect(confirmed.statusCode, confirmed.headers?.location).toBe(302);
    const toProvider = new URL(confirmed.headers!.location!);
    expect(toProvider.origin).toBe('https://github.com');
    const state = toProvider.searchParams.get('state')!;
    const binding = cookiePair(confirmed.cookies?.[0]);
    expect(binding).toMatch(/=/);

    // The provider's refusal comes back: query parsed only, the binding cookie only in a `Cookie` header.
    const callback = (headers: Record<string, string>) =>
      providerToken(
        consoleHttpEvent({
          routeKey: 'GET /no-auth/provider-token/{provider}',
          path: '/no-auth/provider-token/github',
          pathParameters: { provider: 'github' },
          headers,
          query: { error: 'access_denied', state },
        }),
      );
    expect(errorCodeOf((await callback({})).headers?.location)).toBe('AUTH-1007');
    const refused = await callback({ Cookie: `unrelated=1; ${binding}` });
    expect(refused.statusCode).toBe(302);
    expect(errorCodeOf(refused.headers?.location)).toBe('USRC-1022');

    // A real-shaped event naming the same (valid) state twice is refused before the state is opened.
    const twice = await providerToken(
      toV2Event({
        method: 'GET',
        url: `/no-auth/provider-token/github?${new URLSearchParams([['state', state], ['state', state]])}`,
        headers: { cookie: binding },
        routeKey: 'GET /no-auth/provider-token/{provider}',
        pathParameters: { provider: 'github' },
      }),
    );
    expect(errorCodeOf(twice.headers?.location)).toBe('RAPI-1001');
  });

  it('the auth origin routes a callback whose query is only in queryStringParameters, and hops only when there is none', async () => {
    const state = `${ENVIRONMENT}!not-opened-by-the-router`;
    const event = (provider: string, query?: Record<string, string>) =>
      consoleHttpEvent({ routeKey: 'GET /no-auth/provider-token/{provider}', path: `/no-auth/provider-token/${provider}`, pathParameters: { provider }, ...(query ? { query } : {}) });
    const routed = await authOriginCallback(event('github', { code: 'provider-code', state }));
    expect(routed.statusCode).toBe(302);
    expect(routed.headers?.location).toBe(`${PUBLIC_API_URL}/no-auth/provider-token/github?${new URLSearchParams({ code: 'provider-code', state })}`);
    // YouTrack's state is in the fragment: the hop page is for a callback with no query at all, not for a parsed one.
    const youtrack = await authOriginCallback(event('youtrack', { state }));
    expect(youtrack.statusCode).toBe(302);
    expect(new URL(youtrack.headers!.location!).searchParams.get('state')).toBe(state);
    const hop = await authOriginCallback(event('youtrack'));
    expect(hop.statusCode).toBe(200);
    expect(hop.body).toContain('Completing sign-in');
  });

  it('$connect accepts a console event whose Authorization, Host and Sec-WebSocket-Key are capitalised', async () => {
    expect((await wsConnect(consoleConnectEvent({ connectionId: 'console-anonymous=' }))).statusCode).toBe(401);
    const accepted = await wsConnect(consoleConnectEvent({ headers: { Authorization: `Bearer ${session}` }, connectionId: 'console-connection=' }));
    expect(accepted.statusCode).toBe(200);
    const { items } = await rt.sessions.ofUser('user-console');
    expect(liveConnections(items, rt.now()).map((c) => c.connectionId)).toContain('console-connection=');
  });
});
