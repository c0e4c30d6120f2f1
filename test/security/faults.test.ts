import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { startFaultyProvider, type TokenEndpointMode } from '../support/faulty-provider';
import { issueSessionToken } from '../../shared/sessions';
import type { Browser } from '../../local/scripted-browser';
import { CALLBACK_PREFIX, locationOf } from '../support/flows';

let world: World;
let provider: Awaited<ReturnType<typeof startFaultyProvider>>;
const PROVIDER_BOUND_MS = 300;

beforeAll(async () => {
  provider = await startFaultyProvider();
  world = await createWorld({
    dynamoProxy: true,
    providerTimeoutMs: PROVIDER_BOUND_MS,
    settings: () => ({ oidc: { issuer: provider.issuer, clientId: 'faulty-client', clientSecret: 'faulty-secret' } }),
  });
});
afterAll(async () => {
  await world.close();
  await provider.close();
});

const newUser = async () => {
  const userId = randomUUID();
  const session = await issueSessionToken(userId, { key: world.rt.keys.session, environment: 'test', now: Date.now() });
  return { userId, session };
};

/** Starts a connect handshake up to the provider (which is not visited: the test plays its redirect). */
async function start(session: string): Promise<{ browser: Browser; callback: string }> {
  const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
  expect(code.status).toBe(200);
  const browser = world.browser();
  const response = await browser.request(`${PUBLIC_API_URL}/web/provider-auth/oidc?code=${code.json.code}`);
  const state = locationOf(response).searchParams.get('state')!;
  return { browser, callback: `${CALLBACK_PREFIX}oidc?code=provider-code-${randomUUID()}&state=${encodeURIComponent(state)}` };
}

async function finish(browser: Browser, callback: string): Promise<{ code: string; ms: number }> {
  const started = performance.now();
  const response = await browser.request(callback);
  const ms = Math.round(performance.now() - started);
  const location = locationOf(response);
  return { code: location.pathname === '/web/error' ? location.searchParams.get('code')! : 'ok', ms };
}

const tokenItems = async (userId: string) => (await world.scan()).filter((i) => i.pk === `USER#${userId}` && String(i.sk).startsWith('TOKEN#'));

describe('provider faults: the SPEC error, a usable retry, nothing half-written', () => {
  const rows: string[] = [];
  afterAll(() => console.log(`provider faults (bound ${PROVIDER_BOUND_MS} ms):\n  fault          answer     callback ms  retry\n  ${rows.join('\n  ')}`));

  for (const mode of ['down', 'slow', 'http500', 'invalid-json', 'invalid_grant'] as TokenEndpointMode[]) {
    it(`token endpoint ${mode} → RAPI-1010, then a new handshake succeeds`, async () => {
      const { userId, session } = await newUser();
      provider.setMode(mode);
      const failed = await start(session);
      const result = await finish(failed.browser, failed.callback);
      expect(result.code).toBe('RAPI-1010');
      expect(await tokenItems(userId)).toHaveLength(0);

      provider.setMode('ok');
      const retry = await start(session);
      const retried = await finish(retry.browser, retry.callback);
      expect(retried.code).toBe('ok');
      expect(await tokenItems(userId)).toHaveLength(1);
      rows.push(`${mode.padEnd(14)} ${result.code.padEnd(10)} ${String(result.ms).padStart(11)}  ${retried.code}`);
    });
  }

  it('a sign-up whose exchange hits invalid_grant tells the poller USRC-1022 {error: invalid_grant}', async () => {
    provider.setMode('invalid_grant');
    try {
      const signupToken = randomUUID();
      const browser = world.browser();
      const response = await browser.request(`${PUBLIC_API_URL}/web/provider-auth/oidc?signupToken=${signupToken}`);
      const state = locationOf(response).searchParams.get('state')!;
      expect((await finish(browser, `${CALLBACK_PREFIX}oidc?code=c&state=${encodeURIComponent(state)}`)).code).toBe('RAPI-1010');
      const poll = await world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } });
      expect(poll).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'invalid_grant' } } });
    } finally {
      provider.setMode('ok');
    }
  });
});

describe('DynamoDB faults', () => {
  it('unreachable before the nonce is spent → SRV-1000; the same callback works once it is back', async () => {
    const { userId, session } = await newUser();
    const flow = await start(session);
    world.dynamoProxy!.down();
    try {
      expect((await finish(flow.browser, flow.callback)).code).toBe('SRV-1000');
    } finally {
      world.dynamoProxy!.up();
    }
    expect(await tokenItems(userId)).toHaveLength(0);
    expect((await finish(flow.browser, flow.callback)).code).toBe('ok');
    expect(await tokenItems(userId)).toHaveLength(1);
  });

  it('unreachable after the nonce is spent → SRV-1000, no token written; a new handshake succeeds', async () => {
    const { userId, session } = await newUser();
    const flow = await start(session);
    world.dynamoProxy!.failWhen((operation, body) => operation === 'PutItem' && body.includes('TOKEN#'));
    try {
      expect((await finish(flow.browser, flow.callback)).code).toBe('SRV-1000');
    } finally {
      world.dynamoProxy!.up();
    }
    expect(await tokenItems(userId)).toHaveLength(0);
    const retry = await start(session);
    expect((await finish(retry.browser, retry.callback)).code).toBe('ok');
    expect(await tokenItems(userId)).toHaveLength(1);
  });

  it('agent routes answer 503 SRV-1000 JSON while DynamoDB is unreachable, and work after', async () => {
    world.dynamoProxy!.down();
    try {
      const poll = await world.call('PUT', '/no-auth/check-signup', { body: { token: randomUUID() } });
      expect(poll).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });
      expect(poll.body).not.toMatch(/\n\s+at /);
    } finally {
      world.dynamoProxy!.up();
    }
    expect((await world.call('PUT', '/no-auth/check-signup', { body: { token: randomUUID() } })).json.code).toBe('AUTH-1006');
  });
});

describe('races', () => {
  it('two callbacks with one state at once: one success, one AUTH-1008', async () => {
    const { userId, session } = await newUser();
    const flow = await start(session);
    const cookie = flow.browser.cookieHeader(new URL(flow.callback));
    const twice = await Promise.all([0, 1].map(() => world.browser().request(flow.callback, { headers: { cookie } })));
    const codes = twice.map((r) => (locationOf(r).pathname === '/web/error' ? locationOf(r).searchParams.get('code') : 'ok')).sort();
    expect(codes).toEqual(['AUTH-1008', 'ok']);
    expect(await tokenItems(userId)).toHaveLength(1);
  });

  it('100 concurrent check-signup polls: exactly one gets the sign-up', async () => {
    const signupToken = randomUUID();
    const browser = world.browser();
    const response = await browser.request(`${PUBLIC_API_URL}/web/provider-auth/oidc?signupToken=${signupToken}`);
    const state = locationOf(response).searchParams.get('state')!;
    expect((await finish(browser, `${CALLBACK_PREFIX}oidc?code=c&state=${encodeURIComponent(state)}`)).code).toBe('ok');
    const polls = await Promise.all(Array.from({ length: 100 }, () => world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } })));
    const byStatus = polls.reduce<Record<string, number>>((acc, p) => ((acc[p.status === 200 ? '200' : p.json.code] = (acc[p.status === 200 ? '200' : p.json.code] ?? 0) + 1), acc), {});
    console.log(`100 concurrent polls: ${JSON.stringify(byStatus)}`);
    expect(byStatus).toEqual({ '200': 1, 'AUTH-1006': 99 });
  });
});
