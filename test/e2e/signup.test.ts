import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { authorizeAtProvider } from '../../local/scripted-browser';
import { CALLBACK_PREFIX, claim, locationOf, readCallbackAnswer, runBrowser, signUp, start } from '../support/flows';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

describe('sign-up (SSO) flow against a real OpenID provider', () => {
  it('creates a user, then signs the same person in as the same user (loopback mode)', async () => {
    const first = await signUp(world, 'alice');
    expect(first.run.arrival).toMatchObject({ code: first.started.code, result: expect.stringMatching(/^[\w-]{43}$/) });
    expect(first.run.arrival!.complete.toString()).toMatch(new RegExp(`^${PUBLIC_API_URL}/web/auth-complete/oidc\\?s=`));
    expect(first.check.status).toBe(200);
    expect(first.check.json).toMatchObject({
      provider: 'oidc',
      signupStatus: 'userCreated',
      user: { email: 'alice@example.test', username: 'alice', providerInfo: { oidc: { accessToken: expect.any(String), data: { userId: 'alice', username: 'alice' } } } },
    });
    expect(first.check.headers['cache-control']).toBe('no-store');

    const second = await signUp(world, 'alice');
    expect(second.check.json.signupStatus).toBe('signedIn');
    expect(second.check.json.user.id).toBe(first.check.json.user.id);
    expect(second.check.json.user.providerInfo.oidc.accessToken).not.toBe(first.check.json.user.providerInfo.oidc.accessToken);

    const other = await signUp(world, 'bob');
    expect(other.check.json.signupStatus).toBe('userCreated');
    expect(other.check.json.user.id).not.toBe(first.check.json.user.id);
  });

  it('signs up in poll mode: the confirmation page, the user code, then the success page', async () => {
    const started = await start(world, { flow: 'signup', mode: 'poll', client: { name: 'VS Code', device: 'laptop' } });
    expect(started.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.response.json).toMatchObject({ url: `${PUBLIC_API_URL}/web/provider-auth/oidc?code=${started.code}`, interval: 5, expiresAt: expect.any(Number) });

    const page = await world.browser().request(started.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign in to VS Code with OpenID Connect?');
    expect(page.body).toContain('VS Code on laptop asked to sign you in');

    const run = await runBrowser(world, started.url, 'paula', { userCode: started.userCode!.toLowerCase().replace('-', ' ') });
    expect(run.arrival).toBeUndefined();
    expect(run.page.pathname).toBe('/web/auth-complete/oidc');
    const success = await run.browser.request(run.page.toString());
    expect(success.body).toContain('Signed in to VS Code with OpenID Connect as @paula');

    const check = await claim(world, started);
    expect(check).toMatchObject({ status: 200, json: { signupStatus: 'userCreated', user: { email: 'paula@example.test' } } });
  });

  it('gives two first sign-ins of the same person at once one user: one created, one signed in', async () => {
    const [a, b] = await Promise.all([signUp(world, 'twin'), signUp(world, 'twin')]);
    expect(a.check.json.user.id).toBe(b.check.json.user.id);
    expect([a.check.json.signupStatus, b.check.json.signupStatus].sort()).toEqual(['signedIn', 'userCreated']);
  });

  it('keeps no handshake code, verifier, result, session or provider token in the table in the clear', async () => {
    const { started, run, session, check } = await signUp(world, 'hashed');
    const everything = JSON.stringify(await world.scan());
    for (const secret of [started.code, started.verifier, run.arrival!.result!, session, check.json.user.providerInfo.oidc.accessToken]) expect(everything).not.toContain(secret);
  });

  it('answers the claim pending (awaiting confirmation, at the provider), then ready, then the same answer again', async () => {
    const started = await start(world, { flow: 'signup' });
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1006', info: { status: 'awaiting-confirmation' } } });
    const browser = world.browser();
    const leave = await browser.request(started.url); // the 302 to the provider, not followed yet
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1006', info: { status: 'at-provider' } } });

    const callback = await browser.request(await authorizeAtProvider(browser, locationOf(leave).toString(), CALLBACK_PREFIX, 'carol'));
    const { arrival } = readCallbackAnswer(callback);
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1002' } }); // loopback: no result, no answer
    const ready = await claim(world, started, { result: arrival!.result });
    expect(ready.status).toBe(200);
    expect(ready.json.user.email).toBe('carol@example.test');
    expect(await claim(world, started, { result: arrival!.result })).toMatchObject({ status: 200, json: ready.json });
  });

  it('gives the issued session token access to the Bearer routes, and names its account on the connect page', async () => {
    const { session } = await signUp(world, 'dave');
    const started = await start(world, { flow: 'connect', session, mode: 'poll' });
    expect(started.code).toMatch(/^[\w-]{43}$/);
    expect(started.response.json.expiresAt).toBeGreaterThan(Date.now());
    const page = await world.browser().request(started.url);
    expect(page.body).toContain('Connect OpenID Connect to dave@example.test?');
  });

  it('answers AUTH-1005 for a handshake that was not claimed within 10 minutes', async () => {
    const started = await start(world, { flow: 'signup' });
    const run = await runBrowser(world, started.url, 'erin');
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      expect(await claim(world, started, { result: run.arrival!.result })).toMatchObject({ status: 403, json: { code: 'AUTH-1005' } });
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('tells the agent USRC-1022 when the user refuses at the provider, and creates nobody', async () => {
    const started = await start(world, { flow: 'signup' });
    const run = await runBrowser(world, started.url, 'frank', { abort: true });
    expect(new URL(run.callbackUrl).searchParams.get('error')).toBe('access_denied');
    expect(run.arrival).toMatchObject({ code: started.code, error: 'USRC-1022' });
    expect(run.arrival!.result).toBeUndefined();
    expect(run.page.pathname).toBe('/web/error');
    expect(Object.fromEntries(run.page.searchParams)).toEqual({ code: 'USRC-1022', provider: 'oidc', reason: 'cancelled' });
    const page = await world.browser().request(run.page.toString());
    expect(page.body).toContain('You cancelled at the provider');
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'access_denied' } } });
    const users = (await world.scan()).filter((item) => item.sk === 'IDENTITY' && String(item.subject).startsWith('frank'));
    expect(users).toHaveLength(0);
  });
});
