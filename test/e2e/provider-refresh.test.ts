import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeChannel, UserUpdate } from '../../shared/me-channel';
import { CLIENT_SECRET, createWorld, type World } from '../support/world';
import { connect, signUp } from '../support/flows';

/**
 * The generic OpenID Connect rows (`oidc`, `demo`) end to end against panva's oidc-provider: a refresh token
 * from `offline_access` with `prompt=consent`, refresh with it, a grant revoked at the provider, and deauth
 * revoking at the discovered revocation endpoint.
 */
let world: World;
let discovery: { userinfo_endpoint: string; revocation_endpoint: string };
const published: Array<{ userId: string; update: UserUpdate }> = [];

beforeAll(async () => {
  world = await createWorld({
    settings: (issuer) => ({
      oidc: { issuer, clientId: 'handshake-test', clientSecret: CLIENT_SECRET },
      demo: { issuer, clientId: 'handshake-test', clientSecret: CLIENT_SECRET },
    }),
  });
  world.rt.meChannel = {
    publish: async (userId: string, update: UserUpdate) => {
      published.push({ userId, update });
      return { delivered: 1, gone: 0, failed: 0 };
    },
  } as unknown as MeChannel;
  discovery = (await (await fetch(`${world.provider.issuer}/.well-known/openid-configuration`)).json()) as typeof discovery;
});
afterAll(() => world.close());

const userinfo = (accessToken: string) => fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
const bearer = (session: string) => ({ headers: { authorization: `Bearer ${session}` } });

describe('refresh and deauth against a real OpenID provider', () => {
  it('asks for offline_access with prompt=consent, and keeps the refresh token it gets', async () => {
    const { run, check } = await signUp(world, 'olga');
    const authorize = new URL(run.browser.visited.find((url) => url.startsWith(world.provider.issuer))!);
    expect(authorize.searchParams.get('scope')!.split(' ')).toContain('offline_access');
    expect(authorize.searchParams.get('prompt')).toBe('consent');
    expect(check.json.user.providerInfo.oidc.refreshToken).toEqual(expect.any(String));
  });

  it('refreshes with the stored refresh token: a new access token the provider accepts, stored and published', async () => {
    const { session, check } = await signUp(world, 'rita');
    const userId = check.json.user.id as string;
    const before = (await world.rt.tokens.get(userId, 'oidc'))!;
    published.length = 0;

    const answer = await world.call('GET', '/provider-refresh/oidc', bearer(session));
    expect(answer.status, answer.body).toBe(200);
    expect(answer.json).toMatchObject({ provider: 'oidc', accessToken: expect.any(String), refreshToken: expect.any(String), data: { userId: 'rita' } });
    expect(answer.json.accessToken).not.toBe(before.accessToken);
    expect((await userinfo(answer.json.accessToken)).status).toBe(200);

    const after = (await world.rt.tokens.get(userId, 'oidc'))!;
    expect(after).toMatchObject({ accessToken: answer.json.accessToken, refreshToken: answer.json.refreshToken });
    expect(published).toEqual([{ userId, update: { $set: expect.objectContaining({ 'providerInfo.oidc.accessToken': answer.json.accessToken }) } }]);

    // And again, with whatever refresh token the provider left us.
    const again = await world.call('GET', '/provider-refresh/oidc', bearer(session));
    expect(again.status).toBe(200);
    expect((await userinfo(again.json.accessToken)).status).toBe(200);
  });

  it('marks the connection for re-auth when the provider has revoked the grant (invalid_grant)', async () => {
    const { session, check } = await signUp(world, 'ivan');
    const userId = check.json.user.id as string;
    const stored = (await world.rt.tokens.get(userId, 'oidc'))!;
    const revoked = await fetch(discovery.revocation_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`handshake-test:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: stored.refreshToken!, token_type_hint: 'refresh_token' }).toString(),
    });
    expect(revoked.status).toBe(200);
    published.length = 0;

    const answer = await world.call('GET', '/provider-refresh/oidc', bearer(session));
    expect(answer).toMatchObject({ status: 403, json: { code: 'PRVD-1011', info: { provider: 'oidc', error: 'invalid_grant', reauth: true } } });
    expect(await world.rt.tokens.get(userId, 'oidc')).toMatchObject({ accessToken: stored.accessToken, data: { needsReauth: true } });
    expect(published.at(-1)?.update.$set).toMatchObject({ 'providerInfo.oidc.data': { needsReauth: true } });

    // Connecting again replaces the marked token with a working one.
    await connect(world, session, 'ivan');
    const fresh = (await world.rt.tokens.get(userId, 'oidc'))!;
    expect(fresh.data.needsReauth).toBeUndefined();
    expect((await world.call('GET', '/provider-refresh/oidc', bearer(session))).status).toBe(200);
  });

  it('revokes at the discovered revocation endpoint on deauth: the token stops working and is forgotten', async () => {
    const { session, check } = await signUp(world, 'dora');
    const userId = check.json.user.id as string;
    const stored = (await world.rt.tokens.get(userId, 'oidc'))!;
    expect((await userinfo(stored.accessToken)).status).toBe(200);
    published.length = 0;

    const answer = await world.call('PUT', '/provider-deauth/oidc', bearer(session));
    expect(answer).toMatchObject({ status: 200, json: { provider: 'oidc', revoked: true } });
    expect((await userinfo(stored.accessToken)).status).toBe(401);
    expect(await world.rt.tokens.get(userId, 'oidc')).toBeUndefined();
    expect(published).toEqual([{ userId, update: { $unset: { 'providerInfo.oidc': true } } }]);
    expect(await world.call('GET', '/provider-refresh/oidc', bearer(session))).toMatchObject({ status: 404, json: { code: 'RAPI-1003' } });
  });

  it('takes the same path for the demo row', async () => {
    const { session } = await signUp(world, 'dana', 'demo');
    const refreshed = await world.call('GET', '/provider-refresh/demo', bearer(session));
    expect(refreshed.status, refreshed.body).toBe(200);
    expect((await userinfo(refreshed.json.accessToken)).status).toBe(200);
    expect(await world.call('PUT', '/provider-deauth/demo', bearer(session))).toMatchObject({ status: 200, json: { revoked: true } });
  });
});
