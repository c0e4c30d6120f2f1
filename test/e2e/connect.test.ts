import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { claim, connect, locationOf, runBrowser, signUp, start } from '../support/flows';
import { tokensInItems } from '../support/table-tokens';

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

const tokenItems = async () => tokensInItems(await world.scan(), { userId, prefix: 'TOKEN#oidc#' });

describe('connect flow against a real OpenID provider', () => {
  it('stores nothing at the callback; the claim stores an encrypted token and answers it with the account that was connected', async () => {
    await world.rt.tokens.delete(userId, 'oidc');
    const started = await start(world, { flow: 'connect', session });
    const run = await runBrowser(world, started.url, 'grace-work');
    expect(run.arrival).toMatchObject({ code: started.code, result: expect.any(String) });
    expect(await tokenItems()).toHaveLength(0);

    const check = await claim(world, started, { result: run.arrival!.result });
    expect(check.status).toBe(200);
    expect(check.json).toMatchObject({ provider: 'oidc', accessToken: expect.any(String), refreshToken: expect.any(String), data: { userId: 'grace-work', username: 'grace-work', email: 'grace-work@example.test' } });
    expect(check.json.expiresAt).toBeGreaterThan(Date.now());

    const token = await world.rt.tokens.get(userId, 'oidc');
    expect(token?.accessToken).toBe(check.json.accessToken);
    const [item] = await tokenItems();
    expect(JSON.stringify(await world.scan())).not.toContain(token!.accessToken);
    expect(item!.sealed.split('.')).toHaveLength(5);
  });

  it('keeps the binding cookie, so a reload of the finished callback in the same browser shows the success page again', async () => {
    const { run } = await connect(world, session, 'grace-work');
    expect(run.callback.setCookies).toEqual([]);
    expect(run.browser.cookies.filter((c) => c.name.startsWith('hs_bind_'))).toHaveLength(1);
    const reload = await run.browser.request(run.callbackUrl);
    expect(locationOf(reload).pathname).toBe('/web/auth-complete/oidc');
    expect(locationOf(reload).searchParams.get('result')).toBeNull();
    // Another browser replaying it is refused: it has no binding.
    expect(locationOf(await world.browser().request(run.callbackUrl)).searchParams.get('code')).toBe('AUTH-1007');
  });

  it('serves the success page naming provider, provider account and account, with strict headers', async () => {
    const started = await start(world, { flow: 'connect', session, client: { name: 'VS Code' } });
    const run = await runBrowser(world, started.url, 'grace-work');
    const page = await run.browser.request(run.page.toString());
    expect(page.status).toBe(200);
    expect(page.body).toContain('Connected OpenID Connect as @grace-work to grace@example.test');
    expect(page.body).toContain('VS Code can now use it.');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');

    // Without its sealed summary, or with one for another provider or tampered with, the page claims nothing.
    for (const url of [`${PUBLIC_API_URL}/web/auth-complete/oidc`, run.page.toString().replace('/oidc?', '/demo?'), `${run.page}x`]) {
      const neutral = await world.browser().request(url);
      expect(neutral.body).toContain('Return to your IDE');
      expect(neutral.body).not.toContain('grace');
    }
  });

  it('sets the binding cookie HttpOnly, SameSite=Lax, scoped to the callback path, short-lived', async () => {
    const started = await start(world, { flow: 'connect', session });
    const leave = await world.browser().request(started.url);
    expect(leave.status).toBe(302);
    const [cookie] = leave.setCookies;
    expect(cookie).toMatch(/^hs_bind_[0-9A-Za-z_-]{16}=[\w-]{43}; Path=\/no-auth\/provider-token\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
    const authorize = locationOf(leave);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_API_URL}/no-auth/provider-token/oidc`);
    expect(authorize.searchParams.get('state')).toMatch(/^test!/);
  });

  it('refuses a second browser visit of a started code (AUTH-1008)', async () => {
    const started = await start(world, { flow: 'connect', session });
    await world.browser().request(started.url);
    const again = await world.browser().request(started.url);
    expect(locationOf(again).searchParams.get('code')).toBe('AUTH-1008');
  });

  it('refuses to start a connect without a valid session (401)', async () => {
    const body = { provider: 'oidc', flow: 'connect', challenge: 'x'.repeat(43), challengeMethod: 'S256', redirectUri: 'http://127.0.0.1:9/agent' };
    expect(await world.call('POST', '/provider-auth-code', { body })).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
    const forged = await world.call('POST', '/provider-auth-code', { body, headers: { authorization: `Bearer ${session.slice(0, -2)}xx` } });
    expect(forged).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
  });

  it('connects in poll mode after the confirmation page, and claims by polling', async () => {
    const { check, run } = await connect(world, session, 'grace-poll', 'oidc', { mode: 'poll' });
    expect(run.arrival).toBeUndefined();
    expect(run.page.pathname).toBe('/web/auth-complete/oidc');
    expect(check).toMatchObject({ status: 200, json: { provider: 'oidc', data: { username: 'grace-poll' } } });
  });
});
