import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findProviderRow } from '../../shared/providers/catalog';
import { CONTRACTS, TRELLO_FOREIGN_TOKEN } from './contracts';
import { API, createContractWorld, type ContractWorld } from './support/contract-world';
import type { FakeAnswer, RecordedRequest } from './support/fake-provider';
import { arrivalOf, callbackUrl, claim, onward, returnFromProvider, runRelayScript, startHandshake, verdict } from './support/handshake';

/**
 * Trello and YouTrack hand the token back in the URL fragment. The callback answers a page whose one script
 * posts it back; the POST must pass the same checks as any callback (state, binding cookie, single use). Such a
 * token proves nothing about who obtained it, so these providers only connect (their sign-up is refused at the
 * start, USRC-1023: contract.test.ts), and where the provider can say which app a token was issued to, it must be ours.
 */
const trello = findProviderRow('trello')!;
const youtrack = findProviderRow('youtrack')!;
const trelloContract = CONTRACTS.find((c) => c.id === 'trello')!;
const youtrackContract = CONTRACTS.find((c) => c.id === 'youtrack')!;
let world: ContractWorld;

beforeAll(async () => {
  world = await createContractWorld((origin) => ({
    trello: { clientId: 'trello-client' },
    youtrack: { hosts: { [origin]: { clientId: 'youtrack-client' } } },
    github: { clientId: 'github-client', clientSecret: 'github-secret' },
  }));
});
afterAll(() => world.close());
beforeEach(() => {
  world.fake.reset();
  world.published.length = 0;
  for (const contract of [trelloContract, youtrackContract]) {
    for (const [method, path, answer] of contract.identity.routes) world.fake.on(method, path, answer);
  }
});

const post = (browser: ReturnType<ContractWorld['browser']>, provider: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  browser.request(callbackUrl(provider), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

/** A connect of a fresh user's account, started and at the provider. */
async function connecting(row: typeof trello) {
  const user = await world.user(`${row.id}-${Math.random()}`);
  return { ...user, started: await startHandshake(world, row, { flow: 'connect', session: user.session }) };
}

describe('the fragment relay page', () => {
  it('runs only its own script (allowed by hash), posts only to its own origin, and is never cached', async () => {
    const { started } = await connecting(trello);
    const page = await started.browser.request(new URL(started.authorize.searchParams.get('return_url')!).toString());
    expect(page.status).toBe(200);
    const scripts = [...page.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]!).digest('base64');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/form-action 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline'[^;]*script|script-src[^;]*unsafe/);
    expect(page.body).not.toMatch(/\son\w+=/i);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('drops the token from the address bar and posts only the OAuth fields: Trello, state from the return URL', async () => {
    const { userId, started } = await connecting(trello);
    const back = new URL(started.authorize.searchParams.get('return_url')!);
    back.hash = `token=${trelloContract.fragment!.token}&injected=1`;
    const page = await started.browser.request(back.toString().replace(/#.*$/, ''));
    const relayed = runRelayScript(page.body, back.toString());
    expect(relayed.replacedUrl).toBe(`${back.pathname}${back.search}`);
    expect(relayed.action).toBe('/no-auth/provider-token/trello');
    expect(relayed.fields).toEqual({ token: trelloContract.fragment!.token, state: started.state });

    const answer = await post(started.browser, 'trello', relayed.fields);
    // The POST's answer moves on by itself (no script, never cached) to the agent's listener with the result.
    expect(answer.body).not.toMatch(/<script/i);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(verdict(answer)).toBe('ok');
    expect(await world.rt.tokens.get(userId, 'trello')).toBeUndefined();
    const check = await claim(world, started, { result: arrivalOf(answer)!.result });
    expect(check).toMatchObject({ status: 200, json: { provider: 'trello', accessToken: trelloContract.fragment!.token, data: trelloContract.stored.data } });
    expect(await world.rt.tokens.get(userId, 'trello')).toMatchObject({ accessToken: trelloContract.fragment!.token });
  });
});

describe('the relayed POST is checked like any callback', () => {
  it('refuses a POST without the binding cookie (AUTH-1007) and a replay while the first is being completed (AUTH-1008)', async () => {
    const { userId, started } = await connecting(youtrack);
    const fields = { access_token: 'hub-token', token_type: 'Bearer', expires_in: '3600', state: started.state };
    expect(verdict(await post(world.browser(), 'youtrack', fields))).toBe('AUTH-1007');

    // Hold the Hub's answer to our identity read: the first POST has spent the visit and is still completing.
    let reached!: () => void;
    let release!: () => void;
    const atHub = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const [, path, hubAnswer] = youtrackContract.identity.routes[0]!;
    world.fake.on('GET', path, async (request: RecordedRequest): Promise<FakeAnswer> => {
      reached();
      await released;
      return typeof hubAnswer === 'function' ? hubAnswer(request) : hubAnswer;
    });
    const cookie = started.cookie.split(';')[0]!;
    const first = post(started.browser, 'youtrack', fields);
    await atHub;
    const replay = await post(world.browser(), 'youtrack', fields, { cookie });
    expect(verdict(replay)).toBe('AUTH-1008');
    release();
    const genuine = await first;
    expect(verdict(genuine)).toBe('ok');

    // Once it is complete, the same POST with the binding (a reload) shows the success page again: no result, no second read.
    const reload = await post(world.browser(), 'youtrack', fields, { cookie });
    expect(verdict(reload)).toBe('ok');
    expect(arrivalOf(reload)).toBeUndefined();
    expect(onward(reload).pathname).toBe('/web/auth-complete/youtrack');
    expect(world.fake.received('GET', '/api/users/me')).toHaveLength(1);

    expect((await claim(world, started, { result: arrivalOf(genuine)!.result })).status).toBe(200);
    expect(await world.rt.tokens.get(userId, 'youtrack', world.fake.origin)).toMatchObject({ accessToken: 'hub-token' });
  });

  it('fails the connect with USRC-1022 when the provider puts an error in the fragment; nothing is stored', async () => {
    const { userId, started } = await connecting(youtrack);
    const answer = await returnFromProvider(world, youtrack, started, { error: 'access_denied' });
    expect(verdict(answer)).toBe('USRC-1022');
    expect(arrivalOf(answer)!.complete.searchParams.get('reason')).toBe('cancelled');
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'youtrack', error: 'access_denied' } } });
    expect(await world.rt.tokens.get(userId, 'youtrack', world.fake.origin)).toBeUndefined();
    expect(world.published).toHaveLength(0);
  });

  it('answers RAPI-1001 when the fragment carried no token, and AUTH-1002 for a forged state', async () => {
    const { started } = await connecting(youtrack);
    expect(verdict(await post(started.browser, 'youtrack', { state: started.state }))).toBe('RAPI-1001');
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'youtrack', error: 'missing_code' } } });
    expect(verdict(await post(world.browser(), 'youtrack', { access_token: 'x', state: `contract!${'A'.repeat(80)}` }))).toBe('AUTH-1002');
  });

  it('accepts a POST for fragment providers only, and a form body only', async () => {
    const { started } = await connecting(findProviderRow('github')!);
    expect(verdict(await post(started.browser, 'github', { code: 'c', state: started.state }))).toBe('RAPI-1001');
    const { started: yt } = await connecting(youtrack);
    const json = await yt.browser.request(callbackUrl('youtrack'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'x', state: yt.state }) });
    expect(verdict(json)).toBe('RAPI-1001');
    // Neither refusal spent the state: the genuine relay still completes, and the claim gets the token.
    const genuine = await returnFromProvider(world, youtrack, yt, { access_token: 'hub-token', expires_in: '3600' });
    expect(verdict(genuine)).toBe('ok');
    expect(await claim(world, yt, { result: arrivalOf(genuine)!.result })).toMatchObject({ status: 200, json: { provider: 'youtrack', accessToken: 'hub-token' } });
  });

  it('lets a provider error in the query take the ordinary path (no page)', async () => {
    const { started } = await connecting(youtrack);
    const response = await started.browser.request(`${callbackUrl('youtrack')}?error=access_denied&state=${encodeURIComponent(started.state)}`);
    expect(response.status).toBe(302);
    expect(verdict(response)).toBe('USRC-1022');
    expect(arrivalOf(response)!.complete.origin).toBe(API);
  });
});

describe('a token issued to another application', () => {
  it('is refused for Trello: the provider refuses our key with it, the agent is told USRC-1022, nothing is stored', async () => {
    const { userId, started } = await connecting(trello);
    const answer = await returnFromProvider(world, trello, started, { token: TRELLO_FOREIGN_TOKEN });
    // We asked Trello with our key; it answered that the token is not one it issued to that key.
    expect(world.fake.last('GET', '/1/members/me')!.headers.authorization).toBe(`OAuth oauth_consumer_key="trello-client", oauth_token="${TRELLO_FOREIGN_TOKEN}"`);
    expect(verdict(answer)).toBe('USRC-1022');
    expect(arrivalOf(answer)!.result).toBeUndefined();
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'trello', error: 'identity_unavailable' } } });
    expect(await world.rt.tokens.get(userId, 'trello')).toBeUndefined();
    expect(world.published).toHaveLength(0);
  });
});
