import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findProviderRow } from '../../shared/providers/catalog';
import { openState } from '../../shared/state';
import { CONTRACTS } from './contracts';
import { API, createContractWorld, NOW, type ContractWorld } from './support/contract-world';
import { arrivalOf, callbackUrl, claim, CODE, startAgent, startHandshake, verdict } from './support/handshake';

/**
 * Enterprise and per-org hosts: validated, signed into the state, and each with the client registered for it
 * in configuration. Every host-bound row of the catalog is checked the same way.
 */
const HOST_ROWS = ['github_enterprise', 'gitlab_enterprise', 'okta', 'youtrack', 'jiraserver'];
let world: ContractWorld;
let hostB: string;

beforeAll(async () => {
  world = await createContractWorld((origin) => {
    const b = origin.replace('127.0.0.1', 'localhost');
    return Object.fromEntries([
      ['github', { clientId: 'github-client', clientSecret: 'github-secret' }],
      ...HOST_ROWS.map((id) => [
        id,
        {
          hosts: {
            [origin]: { clientId: `${id}-a`, clientSecret: 'secret-a', privateKey: CONTRACTS.find((c) => c.id === 'jiraserver')!.credentials!.privateKey },
            [`${b}/`]: { clientId: `${id}-b`, clientSecret: 'secret-b', privateKey: CONTRACTS.find((c) => c.id === 'jiraserver')!.credentials!.privateKey },
          },
        },
      ]),
    ]);
  });
  hostB = world.fake.origin.replace('127.0.0.1', 'localhost');
});
afterAll(() => world.close());
beforeEach(() => {
  world.fake.reset();
  const jira = CONTRACTS.find((c) => c.id === 'jiraserver')!;
  world.fake.on('POST', jira.requestToken!.path, jira.requestToken!.answer);
});

/** The agent's start of a connect for a fresh user's account: the host is checked here, before anything reaches the provider. */
async function start(provider: string, host?: string) {
  const { session } = await world.user(`hosts-${Math.random()}`);
  return (await startAgent(world, provider, { flow: 'connect', session }, { host })).response;
}

describe.each(HOST_ROWS)('%s on an enterprise / org host', (id) => {
  it('refuses a missing, malformed or tricky host, and one not configured, at the start (PRVD-1003)', async () => {
    const port = new URL(world.fake.origin).port;
    for (const host of [
      undefined,
      'https://acme.example.com',
      `http://user:pw@127.0.0.1:${port}`,
      `http://127.0.0.1:${port}@evil.test`,
      `http://127.0.0.1:${port}/path`,
      `http://127.0.0.1:${port}/..%2f`,
      `http://127.0.0.1:${port}?x=1`,
      `http://127.0.0.1:${port}#x`,
      'http://acme.example.com',
      'javascript:alert(1)',
      `http://127.0.0.1:${port}\r\nx: y`,
    ]) {
      const response = await start(id, host);
      expect(response, String(host)).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
      expect(response.json.url, String(host)).toBeUndefined();
    }
    expect(world.fake.requests).toHaveLength(0);
  });

  it('signs the normalised host into the state and uses the client registered for that host', async () => {
    for (const [given, host, client] of [
      [world.fake.origin, world.fake.origin, `${id}-a`],
      [`${hostB.toUpperCase()}/`, hostB, `${id}-b`],
    ] as const) {
      const { session } = await world.user(`hosts-${id}`);
      const row = findProviderRow(id)!;
      const { authorize } = await startHandshake(world, row, { flow: 'connect', session }, { host: given });
      expect(authorize.origin).toBe(host);
      if (row.grant === 'oauth1') {
        expect(world.fake.last('POST', '/plugins/servlet/oauth/request-token')!.headers.authorization).toContain(`oauth_consumer_key="${client}"`);
        continue;
      }
      expect(authorize.searchParams.get('client_id')).toBe(client);
      const state = authorize.searchParams.get('state')!;
      const opened = await openState(state, id, { key: world.rt.keys.state, environment: 'contract', now: NOW });
      expect(opened.host).toBe(host);
    }
  });
});

describe('the host at the callback', () => {
  it('comes from the signed state only: a host in the callback URL is ignored', async () => {
    const gitlab = CONTRACTS.find((c) => c.id === 'gitlab_enterprise')!;
    world.fake.on('POST', gitlab.token!.path, gitlab.token!.answer);
    for (const [method, path, answer] of gitlab.identity.routes) world.fake.on(method, path, answer);
    const { userId, session } = await world.user('host-at-callback');
    const started = await startHandshake(world, findProviderRow('gitlab_enterprise')!, { flow: 'connect', session }, { host: world.fake.origin });
    const callback = await started.browser.request(`${callbackUrl('gitlab_enterprise')}?code=${CODE}&state=${encodeURIComponent(started.state)}&host=${encodeURIComponent(hostB)}`);
    expect(verdict(callback)).toBe('ok');
    expect(world.fake.last('POST', gitlab.token!.path)!.form).toMatchObject({ client_id: 'gitlab_enterprise-a' });
    const check = await claim(world, started, { result: arrivalOf(callback)!.result });
    expect(check).toMatchObject({ status: 200, json: { provider: 'gitlab_enterprise', host: world.fake.origin, accessToken: gitlab.stored.accessToken } });
    expect(await world.rt.tokens.get(userId, 'gitlab_enterprise', world.fake.origin)).toMatchObject({ accessToken: gitlab.stored.accessToken });
    expect(await world.rt.tokens.get(userId, 'gitlab_enterprise', hostB)).toBeUndefined();
  });

  it('is refused at the start on a provider that has none (PRVD-1003)', async () => {
    expect(await start('github', 'github.com')).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    expect(await start('github')).toMatchObject({ status: 200, json: { url: expect.stringMatching(new RegExp(`^${API}/web/provider-auth/github\\?code=`)) } });
  });

  it('does not make a provider this environment does not configure usable: PRVD-1009 at the start, with a host or without', async () => {
    expect(await start('asana')).toMatchObject({ status: 403, json: { code: 'PRVD-1009' } });
    expect(await start('jira', world.fake.origin)).toMatchObject({ status: 403, json: { code: 'PRVD-1009' } });
    expect(world.fake.requests).toHaveLength(0);
  });
});
