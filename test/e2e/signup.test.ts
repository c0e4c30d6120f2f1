import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { locationOf, runBrowser, signUp } from '../support/flows';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world.close());

describe('sign-up (SSO) flow against a real OpenID provider', () => {
  it('creates a user, then signs the same person in as the same user', async () => {
    const first = await signUp(world, 'alice');
    expect(locationOf(first.run.callback).toString()).toBe(`${PUBLIC_API_URL}/web/auth-complete/oidc`);
    expect(first.check.status).toBe(200);
    expect(first.check.json).toMatchObject({
      provider: 'oidc',
      signupStatus: 'userCreated',
      user: { email: 'alice@example.test', username: 'alice', providerInfo: { oidc: { accessToken: expect.any(String), data: { userId: 'alice' } } } },
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

  it('gives two first sign-ins of the same person at once one user: one created, one signed in', async () => {
    const [a, b] = await Promise.all([signUp(world, 'twin'), signUp(world, 'twin')]);
    expect(a.check.json.user.id).toBe(b.check.json.user.id);
    expect([a.check.json.signupStatus, b.check.json.signupStatus].sort()).toEqual(['signedIn', 'userCreated']);
  });

  it('keeps no sign-up token, session or provider token in the table in the clear', async () => {
    const { signupToken, session, check } = await signUp(world, 'hashed');
    const everything = JSON.stringify(await world.scan());
    expect(everything).not.toContain(signupToken);
    expect(everything).not.toContain(session);
    expect(everything).not.toContain(check.json.user.providerInfo.oidc.accessToken);
  });

  it('answers check-signup pending, then ready, then gone', async () => {
    const signupToken = randomUUID();
    const poll = () => world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } });

    expect(await poll()).toMatchObject({ status: 403, json: { code: 'AUTH-1006' } });
    const browser = world.browser();
    // The browser has started (pending record written) but not finished.
    await browser.request(`${PUBLIC_API_URL}/web/provider-auth/oidc?signupToken=${signupToken}`);
    expect(await poll()).toMatchObject({ status: 403, json: { code: 'AUTH-1006' } });

    await runBrowser(world, `/web/provider-auth/oidc?signupToken=${signupToken}`, 'carol', { browser });
    const ready = await poll();
    expect(ready.status).toBe(200);
    expect(ready.json.user.email).toBe('carol@example.test');

    expect(await poll()).toMatchObject({ status: 403, json: { code: 'AUTH-1006' } });
  });

  it('gives the issued session token access to the Bearer routes', async () => {
    const { session } = await signUp(world, 'dave');
    const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
    expect(code.status).toBe(200);
    expect(code.json.code).toMatch(/^[\w-]{43}$/);
    expect(code.json.expiresAt).toBeGreaterThan(Date.now());
  });

  it('answers AUTH-1005 for a sign-up that was not collected within 10 minutes', async () => {
    const signupToken = randomUUID();
    await runBrowser(world, `/web/provider-auth/oidc?signupToken=${signupToken}`, 'erin');
    world.clock.offsetMs = 11 * 60_000;
    try {
      const late = await world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } });
      expect(late).toMatchObject({ status: 403, json: { code: 'AUTH-1005' } });
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('tells the polling agent USRC-1022 when the user refuses at the provider', async () => {
    const signupToken = randomUUID();
    const run = await runBrowser(world, `/web/provider-auth/oidc?signupToken=${signupToken}`, 'frank', { abort: true });
    expect(new URL(run.callbackUrl).searchParams.get('error')).toBe('access_denied');
    const page = locationOf(run.callback);
    expect(page.pathname).toBe('/web/error');
    expect(page.searchParams.get('code')).toBe('USRC-1022');
    const poll = await world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } });
    expect(poll).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'access_denied' } } });
    const users = (await world.scan()).filter((item) => String(item.pk).startsWith('IDENTITY#oidc#-#frank'));
    expect(users).toHaveLength(0);
  });
});
