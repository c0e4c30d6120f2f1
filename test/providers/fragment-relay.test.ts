import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findProviderRow } from '../../shared/providers/catalog';
import { CONTRACTS } from './contracts';
import { API, createContractWorld, type ContractWorld } from './support/contract-world';
import { callbackUrl, locationOf, returnFromProvider, runRelayScript, startHandshake, verdict } from './support/handshake';

/**
 * Trello and YouTrack hand the token back in the URL fragment. The callback answers a page whose one script
 * posts it back; the POST must pass the same checks as any callback (state, binding cookie, single use).
 */
const trello = findProviderRow('trello')!;
const youtrack = findProviderRow('youtrack')!;
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
  for (const contract of CONTRACTS.filter((c) => c.id === 'trello' || c.id === 'youtrack')) {
    for (const [method, path, answer] of contract.identity.routes) world.fake.on(method, path, answer);
  }
});

const post = (browser: ReturnType<ContractWorld['browser']>, provider: string, fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
  browser.request(callbackUrl(provider), { method: 'POST', headers: { 'content-type': contentType }, body: new URLSearchParams(fields).toString() });

describe('the fragment relay page', () => {
  it('runs only its own script (allowed by hash), posts only to its own origin, and is never cached', async () => {
    const started = await startHandshake(world, trello, { signupToken: randomUUID() });
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
    const contract = CONTRACTS.find((c) => c.id === 'trello')!;
    const { userId, session } = await world.user('trello-relay');
    const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
    const started = await startHandshake(world, trello, { code: code.json.code });
    const back = new URL(started.authorize.searchParams.get('return_url')!);
    back.hash = `token=${contract.fragment!.token}&injected=1`;
    const page = await started.browser.request(back.toString().replace(/#.*$/, ''));
    const relayed = runRelayScript(page.body, back.toString());
    expect(relayed.replacedUrl).toBe(`${back.pathname}${back.search}`);
    expect(relayed.action).toBe('/no-auth/provider-token/trello');
    expect(relayed.fields).toEqual({ token: contract.fragment!.token, state: started.state });
    expect(verdict(await post(started.browser, 'trello', relayed.fields))).toBe('ok');
    expect(await world.rt.tokens.get(userId, 'trello')).toMatchObject({ accessToken: contract.fragment!.token });
  });
});

describe('the relayed POST is checked like any callback', () => {
  it('refuses a POST without the binding cookie (AUTH-1007) and a replayed one (AUTH-1008)', async () => {
    const started = await startHandshake(world, youtrack, { signupToken: randomUUID() });
    const fields = { access_token: 'hub-token', token_type: 'Bearer', expires_in: '3600', state: started.state };
    expect(verdict(await post(world.browser(), 'youtrack', fields))).toBe('AUTH-1007');
    expect(verdict(await post(started.browser, 'youtrack', fields))).toBe('ok');
    const replay = await world.browser().request(callbackUrl('youtrack'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: started.cookie.split(';')[0]! },
      body: new URLSearchParams(fields).toString(),
    });
    expect(verdict(replay)).toBe('AUTH-1008');
  });

  it('fails the sign-up with USRC-1022 when the provider puts an error in the fragment', async () => {
    const signupToken = randomUUID();
    const started = await startHandshake(world, youtrack, { signupToken });
    expect(verdict(await returnFromProvider(world, youtrack, started, { error: 'access_denied' }))).toBe('USRC-1022');
    const poll = await world.call('PUT', '/no-auth/check-signup', { body: JSON.stringify({ token: signupToken }) });
    expect(poll).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'youtrack', error: 'access_denied' } } });
  });

  it('answers RAPI-1001 when the fragment carried no token, and AUTH-1002 for a forged state', async () => {
    const started = await startHandshake(world, youtrack, { signupToken: randomUUID() });
    expect(verdict(await post(started.browser, 'youtrack', { state: started.state }))).toBe('RAPI-1001');
    expect(verdict(await post(world.browser(), 'youtrack', { access_token: 'x', state: `contract!${'A'.repeat(80)}` }))).toBe('AUTH-1002');
  });

  it('accepts a POST for fragment providers only, and a form body only', async () => {
    const started = await startHandshake(world, findProviderRow('github')!, { signupToken: randomUUID() });
    expect(verdict(await post(started.browser, 'github', { code: 'c', state: started.state }))).toBe('RAPI-1001');
    const yt = await startHandshake(world, youtrack, { signupToken: randomUUID() });
    const json = await yt.browser.request(callbackUrl('youtrack'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'x', state: yt.state }) });
    expect(verdict(json)).toBe('RAPI-1001');
    // Neither refusal spent the state: the genuine relay still completes.
    expect(verdict(await returnFromProvider(world, youtrack, yt, { access_token: 'hub-token', expires_in: '3600' }))).toBe('ok');
  });

  it('lets a provider error in the query take the ordinary path (no page)', async () => {
    const started = await startHandshake(world, youtrack, { signupToken: randomUUID() });
    const response = await started.browser.request(`${callbackUrl('youtrack')}?error=access_denied&state=${encodeURIComponent(started.state)}`);
    expect(response.status).toBe(302);
    expect(locationOf(response).searchParams.get('code')).toBe('USRC-1022');
    expect(locationOf(response).origin).toBe(API);
  });
});
