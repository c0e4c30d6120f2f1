import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findProviderRow } from '../../shared/providers/catalog';
import { CONTRACTS } from './contracts';
import { createContractWorld, type ContractWorld } from './support/contract-world';
import { json } from './support/fake-provider';
import { connect, verdict } from './support/handshake';

/** `PUT /provider-deauth/{provider}` beyond the per-provider contracts: failures, leftovers, refusals. */
const gitlab = CONTRACTS.find((c) => c.id === 'gitlab')!;
let world: ContractWorld;

beforeAll(async () => {
  // Asana is in the catalog but not configured here: tokens of it can outlive its configuration.
  world = await createContractWorld((origin) => ({
    gitlab: { clientId: 'gitlab-client', clientSecret: 'gitlab-secret' },
    okta: { hosts: { [origin]: { clientId: 'okta-client', clientSecret: 'okta-secret' } } },
  }));
});
afterAll(() => world.close());
beforeEach(() => {
  world.fake.reset();
  world.published.length = 0;
  world.fake.on('POST', '/oauth/token', gitlab.token!.answer);
  for (const [method, path, answer] of gitlab.identity.routes) world.fake.on(method, path, answer);
});

const deauth = (session: string | undefined, path: string) => world.call('PUT', path, { headers: session ? { authorization: `Bearer ${session}` } : {} });

async function connectedToGitlab() {
  const user = await world.user(`deauth-${Math.random()}`);
  const { callback, check } = await connect(world, findProviderRow('gitlab')!, user.session);
  expect(verdict(callback)).toBe('ok');
  expect(check.status, check.body).toBe(200);
  world.fake.requests.length = 0;
  world.published.length = 0;
  return user;
}

describe('PUT /provider-deauth/{provider}', () => {
  it('forgets the token even when the provider refuses to revoke it, and says it was not revoked', async () => {
    const { userId, session } = await connectedToGitlab();
    world.fake.on('POST', '/oauth/revoke', json({ error: 'server_error' }, 500));
    expect(await deauth(session, '/provider-deauth/gitlab')).toMatchObject({ status: 200, json: { provider: 'gitlab', revoked: false } });
    expect(world.fake.received('POST', '/oauth/revoke')).toHaveLength(1);
    expect(await world.rt.tokens.get(userId, 'gitlab')).toBeUndefined();
    expect(world.published).toEqual([{ userId, update: { $unset: { 'providerInfo.gitlab': true } } }]);
  });

  it('forgets the token of a provider this environment no longer configures, without calling it', async () => {
    const { userId, session } = await world.user('leftover');
    await world.rt.tokens.put(userId, 'asana', undefined, { accessToken: 'old-asana-token', data: {} });
    expect(await deauth(session, '/provider-deauth/asana')).toMatchObject({ status: 200, json: { provider: 'asana', revoked: false } });
    expect(world.fake.requests).toHaveLength(0);
    expect(await world.rt.tokens.get(userId, 'asana')).toBeUndefined();
  });

  it('is idempotent: nothing stored still answers 200 and publishes the removal', async () => {
    const { userId, session } = await world.user('never-connected');
    expect(await deauth(session, '/provider-deauth/gitlab')).toMatchObject({ status: 200, json: { provider: 'gitlab', revoked: false } });
    expect(world.fake.requests).toHaveLength(0);
    expect(world.published).toEqual([{ userId, update: { $unset: { 'providerInfo.gitlab': true } } }]);
  });

  it('removes only the provider and host named', async () => {
    const { userId, session } = await connectedToGitlab();
    const other = 'https://other.okta.test';
    await world.rt.tokens.put(userId, 'okta', world.fake.origin, { accessToken: 'okta-a', data: {} });
    await world.rt.tokens.put(userId, 'okta', other, { accessToken: 'okta-b', data: {} });
    world.fake.on('POST', '/oauth2/v1/revoke', { status: 200 });
    const answer = await deauth(session, `/provider-deauth/okta?host=${encodeURIComponent(world.fake.origin)}`);
    expect(answer).toMatchObject({ status: 200, json: { provider: 'okta', host: world.fake.origin, revoked: true } });
    expect(await world.rt.tokens.get(userId, 'okta', world.fake.origin)).toBeUndefined();
    expect(await world.rt.tokens.get(userId, 'okta', other)).toMatchObject({ accessToken: 'okta-b' });
    expect(await world.rt.tokens.get(userId, 'gitlab')).toMatchObject({ accessToken: gitlab.stored.accessToken });
    expect(world.published.at(-1)!.update).toEqual({ $unset: { [`providerInfo.okta.hosts.${new URL(world.fake.origin).host.replaceAll('.', '*')}`]: true } });
  });

  it('refuses without a session (401), an unknown provider, a host-bound provider without a valid host, a host on a public one', async () => {
    expect(await deauth(undefined, '/provider-deauth/gitlab')).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
    const { session } = await world.user('refusals');
    expect(await deauth(session, '/provider-deauth/nope')).toMatchObject({ status: 403, json: { code: 'PRVD-1000' } });
    expect(await deauth(session, '/provider-deauth/okta')).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    expect(await deauth(session, `/provider-deauth/okta?host=${encodeURIComponent('https://a.okta.com@evil.test')}`)).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    expect(await deauth(session, '/provider-deauth/gitlab?host=gitlab.example.com')).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    expect(world.published).toHaveLength(0);
  });
});
