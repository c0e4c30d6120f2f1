import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { connect, locationOf, signUp } from '../support/flows';

let world: World;
let session: string;
let userId: string;
beforeAll(async () => {
  world = await createWorld();
  const signup = await signUp(world, 'grace');
  session = signup.session;
  userId = signup.check.json.user.id;
});
afterAll(() => world.close());

describe('connect flow against a real OpenID provider', () => {
  it('stores an encrypted token for the user, readable back through the library', async () => {
    const { run } = await connect(world, session, 'grace-work');
    expect(run.callback.status).toBe(302);
    expect(locationOf(run.callback).toString()).toBe(`${PUBLIC_API_URL}/web/auth-complete/oidc`);

    const token = await world.rt.tokens.get(userId, 'oidc');
    expect(token?.accessToken).toEqual(expect.any(String));
    expect(token?.expiresAt).toBeGreaterThan(Date.now());

    const [item] = (await world.scan()).filter((i) => i.pk === `USER#${userId}` && i.sk === 'TOKEN#oidc#-');
    expect(item).toBeDefined();
    expect(JSON.stringify(item)).not.toContain(token!.accessToken);
    expect(String(item!.sealed).split('.')).toHaveLength(5);
  });

  it('clears the binding cookie once the handshake is done', async () => {
    const { run } = await connect(world, session, 'grace-work');
    expect(run.callback.setCookies.some((c) => /^hs_bind_[\w-]+=;.*Max-Age=0/.test(c))).toBe(true);
    expect(run.browser.cookies.filter((c) => c.name.startsWith('hs_bind_'))).toHaveLength(0);
  });

  it('serves the built-in success page with strict headers', async () => {
    const page = await world.browser().request(`${PUBLIC_API_URL}/web/auth-complete/oidc`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('You are connected to OpenID Connect');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('sets the binding cookie HttpOnly, SameSite=Lax, scoped to the callback path, short-lived', async () => {
    const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
    const start = await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/oidc?code=${code.json.code}`);
    expect(start.status).toBe(302);
    const [cookie] = start.setCookies;
    expect(cookie).toMatch(/^hs_bind_[0-9A-Za-z_-]{16}=[\w-]{43}; Path=\/no-auth\/provider-token\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
    const authorize = locationOf(start);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_API_URL}/no-auth/provider-token/oidc`);
    expect(authorize.searchParams.get('state')).toMatch(/^test!/);
  });

  it('refuses a provider-auth code that was already used to start a handshake', async () => {
    const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
    await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/oidc?code=${code.json.code}`);
    const again = await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/oidc?code=${code.json.code}`);
    expect(locationOf(again).searchParams.get('code')).toBe('AUTH-1002');
  });

  it('refuses /provider-auth-code without a valid session (401)', async () => {
    expect(await world.call('GET', '/provider-auth-code')).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
    const forged = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session.slice(0, -2)}xx` } });
    expect(forged).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
  });
});
