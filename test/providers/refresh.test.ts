import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { providerInfoPath } from '../../shared/handshake/me-object';
import { findProviderRow } from '../../shared/providers/catalog';
import { CONTRACTS } from './contracts';
import { createContractWorld, NOW, type ContractWorld } from './support/contract-world';
import { json, type FakeAnswer } from './support/fake-provider';
import { arrivalOf, claim, CODE, connect, startHandshake, verdict } from './support/handshake';

/**
 * `GET /provider-refresh/{provider}` beyond the per-provider contracts: what it refuses, what it never trusts,
 * rotation over several refreshes, concurrent refreshes, hosts. GitLab's documented answers throughout.
 */
const gitlab = CONTRACTS.find((c) => c.id === 'gitlab')!;
const row = findProviderRow('gitlab')!;
const enterprise = findProviderRow('gitlab_enterprise')!;
let world: ContractWorld;
let answers: Array<FakeAnswer | (() => Promise<FakeAnswer>)>;

beforeAll(async () => {
  world = await createContractWorld((origin) => ({
    gitlab: { clientId: 'gitlab-client', clientSecret: 'gitlab-secret' },
    gitlab_enterprise: {
      hosts: {
        [origin]: { clientId: 'ee-client-a', clientSecret: 'ee-secret-a' },
        [origin.replace('127.0.0.1', 'localhost')]: { clientId: 'ee-client-b', clientSecret: 'ee-secret-b' },
      },
    },
  }));
});
afterAll(() => world.close());
beforeEach(() => {
  world.fake.reset();
  world.published.length = 0;
  answers = [];
  world.fake.on('POST', '/oauth/token', async () => {
    const next = answers.shift() ?? gitlab.token!.answer;
    return typeof next === 'function' ? next() : next;
  });
  for (const [method, path, answer] of gitlab.identity.routes) world.fake.on(method, path, answer);
});

async function connectedUser(provider = row) {
  const user = await world.user(`refresh-${Math.random()}`);
  const { callback, check } = await connect(world, provider, user.session);
  expect(verdict(callback)).toBe('ok');
  expect(check.status, check.body).toBe(200);
  world.fake.requests.length = 0;
  world.published.length = 0;
  return user;
}
const refresh = (session: string | undefined, query = '') =>
  world.call('GET', `/provider-refresh/gitlab${query}`, { headers: session ? { authorization: `Bearer ${session}` } : {} });
const rotated = (n: number) => json({ access_token: `access-${n}`, token_type: 'Bearer', expires_in: 7200, refresh_token: `refresh-${n}`, created_at: 1 });

describe('GET /provider-refresh/{provider}', () => {
  it('uses the stored refresh token, never one the request carries', async () => {
    const { session } = await connectedUser();
    answers.push(rotated(1));
    const answer = await world.call('GET', '/provider-refresh/gitlab?refresh_token=attacker-chosen', {
      headers: { authorization: `Bearer ${session}` },
      body: JSON.stringify({ refreshToken: 'attacker-chosen' }),
    });
    expect(answer.status).toBe(200);
    expect(world.fake.last('POST', '/oauth/token')!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: gitlab.stored.refreshToken });
  });

  it('follows a rotating refresh token from one refresh to the next', async () => {
    const { userId, session } = await connectedUser();
    answers.push(rotated(1), rotated(2));
    expect((await refresh(session)).json).toMatchObject({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: NOW + 7_200_000 });
    expect((await refresh(session)).json).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(world.fake.received('POST', '/oauth/token').map((r) => r.form!.refresh_token)).toEqual([gitlab.stored.refreshToken, 'refresh-1']);
    expect(await world.rt.tokens.get(userId, 'gitlab')).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2' });
  });

  it('keeps the stored refresh token when the provider does not send a new one, and clears a re-auth mark', async () => {
    const { userId, session } = await connectedUser();
    const stored = (await world.rt.tokens.get(userId, 'gitlab'))!;
    await world.rt.tokens.put(userId, 'gitlab', undefined, { ...stored, data: { ...stored.data, needsReauth: true } });
    answers.push(json({ access_token: 'access-no-rotation', token_type: 'Bearer', expires_in: 60 }));
    const answer = await refresh(session);
    expect(answer.json).toMatchObject({ accessToken: 'access-no-rotation', refreshToken: gitlab.stored.refreshToken, expiresAt: NOW + 60_000 });
    expect(answer.json.data.needsReauth).toBeUndefined();
    expect((await world.rt.tokens.get(userId, 'gitlab'))!.data.needsReauth).toBeUndefined();
  });

  it('lets a concurrent refresh that rotated first win: the other one answers the fresh token, not a re-auth', async () => {
    const { userId, session } = await connectedUser();
    const stored = (await world.rt.tokens.get(userId, 'gitlab'))!;
    answers.push(async () => {
      // Meanwhile another container refreshed with the same refresh token and stored the rotated pair.
      await world.rt.tokens.put(userId, 'gitlab', undefined, { ...stored, accessToken: 'access-winner', refreshToken: 'refresh-winner' });
      return gitlab.refresh!.refused;
    });
    const answer = await refresh(session);
    expect(answer).toMatchObject({ status: 200, json: { accessToken: 'access-winner', refreshToken: 'refresh-winner' } });
    expect((await world.rt.tokens.get(userId, 'gitlab'))!.data.needsReauth).toBeUndefined();
  });

  it('a disconnect while the provider refreshes wins: the refreshed token is not written back, and the agent is told it is gone', async () => {
    const { userId, session } = await connectedUser();
    world.fake.on('POST', '/oauth/revoke', { status: 200, body: '{}', headers: { 'content-type': 'application/json' } });
    answers.push(async () => {
      // The user disconnects GitLab in another window while the refresh is at the provider.
      const gone = await world.call('PUT', '/provider-deauth/gitlab', { headers: { authorization: `Bearer ${session}` } });
      expect(gone.status).toBe(200);
      return rotated(9);
    });
    const answer = await refresh(session);
    expect(answer).toMatchObject({ status: 404, json: { code: 'RAPI-1003', info: { provider: 'gitlab' } } });
    expect(await world.rt.tokens.get(userId, 'gitlab')).toBeUndefined();
    // Only the removal went out: no window is handed the refreshed token.
    expect(world.published.map((p) => Object.keys(p.update))).toEqual([['$unset']]);
    expect(JSON.stringify(world.published)).not.toContain('access-9');
  });

  it('answers SRV-1000 when the provider fails (5xx), RAPI-1010 with its error when it refuses otherwise; the token stays as it was', async () => {
    const { userId, session } = await connectedUser();
    const before = await world.rt.tokens.get(userId, 'gitlab');
    answers.push({ status: 502, body: 'Bad Gateway', headers: { 'content-type': 'text/html' } });
    expect(await refresh(session)).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });
    answers.push(json({ error: 'invalid_client', error_description: 'Client authentication failed' }, 401));
    expect(await refresh(session)).toMatchObject({ status: 403, json: { code: 'RAPI-1010', info: { provider: 'gitlab', error: 'invalid_client' } } });
    expect(await world.rt.tokens.get(userId, 'gitlab')).toEqual(before);
    expect(world.published).toHaveLength(0);
  });

  it('refuses without a valid session (401), for an unknown provider, when nothing is stored, and a host on a public provider', async () => {
    expect(await refresh(undefined)).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
    const { session } = await world.user('nothing-stored');
    expect(await refresh(session)).toMatchObject({ status: 404, json: { code: 'RAPI-1003', info: { provider: 'gitlab' } } });
    expect(await world.call('GET', '/provider-refresh/nope', { headers: { authorization: `Bearer ${session}` } })).toMatchObject({ status: 403, json: { code: 'PRVD-1000' } });
    expect(await world.call('GET', '/provider-refresh/okta?host=acme.okta.com', { headers: { authorization: `Bearer ${session}` } })).toMatchObject({ status: 403, json: { code: 'PRVD-1009' } });
    expect(await refresh(session, '?host=gitlab.example.com')).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    expect(world.fake.requests).toHaveLength(0);
  });

  it('refreshes the token of the host named, with the client registered for that host', async () => {
    const user = await world.user('two-hosts');
    const hostA = world.fake.origin;
    const hostB = hostA.replace('127.0.0.1', 'localhost');
    const first = await connect(world, enterprise, user.session);
    expect(verdict(first.callback)).toBe('ok');
    expect(first.check.status, first.check.body).toBe(200);
    // A second connection, to the other host: started through the real routes with host=B.
    const started = await startHandshake(world, enterprise, { flow: 'connect', session: user.session }, { host: hostB });
    expect(started.authorize.origin).toBe(hostB);
    expect(started.authorize.searchParams.get('client_id')).toBe('ee-client-b');
    answers.push(json({ access_token: 'token-b', token_type: 'Bearer', expires_in: 7200, refresh_token: 'refresh-b' }));
    const callback = await started.browser.request(`http://localhost:3998/no-auth/provider-token/gitlab_enterprise?code=${CODE}&state=${encodeURIComponent(started.state)}`);
    expect(verdict(callback)).toBe('ok');
    expect(await claim(world, started, { result: arrivalOf(callback)!.result })).toMatchObject({ status: 200, json: { provider: 'gitlab_enterprise', host: hostB, accessToken: 'token-b' } });
    world.fake.requests.length = 0;

    answers.push(rotated(9));
    const answer = await world.call('GET', `/provider-refresh/gitlab_enterprise?host=${encodeURIComponent(hostB)}`, { headers: { authorization: `Bearer ${user.session}` } });
    expect(answer.json).toMatchObject({ provider: 'gitlab_enterprise', host: hostB, accessToken: 'access-9' });
    expect(world.fake.last('POST', '/oauth/token')!.form).toMatchObject({ client_id: 'ee-client-b', client_secret: 'ee-secret-b', refresh_token: 'refresh-b' });
    expect(await world.rt.tokens.get(user.userId, 'gitlab_enterprise', hostA)).toMatchObject({ accessToken: gitlab.stored.accessToken });
    expect(Object.keys(world.published.at(-1)!.update.$set!)[0]).toMatch(new RegExp(`^${providerInfoPath('gitlab_enterprise', hostB).replaceAll('*', '\\*')}\\.`));
  });
});
