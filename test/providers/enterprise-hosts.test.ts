import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findProviderRow } from '../../shared/providers/catalog';
import { openState } from '../../shared/state';
import { CONTRACTS } from './contracts';
import { API, createContractWorld, NOW, type ContractWorld } from './support/contract-world';
import { callbackUrl, CODE, locationOf, verdict } from './support/handshake';

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

const start = (provider: string, host?: string) =>
  world.browser().request(`${API}/web/provider-auth/${provider}?signupToken=${randomUUID()}${host === undefined ? '' : `&host=${encodeURIComponent(host)}`}`);
const errorCode = (response: Awaited<ReturnType<typeof start>>) => (locationOf(response).pathname === '/web/error' ? locationOf(response).searchParams.get('code') : 'redirected');

describe.each(HOST_ROWS)('%s on an enterprise / org host', (id) => {
  it('refuses a missing, malformed or tricky host, and one not configured (PRVD-1003)', async () => {
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
      expect(errorCode(await start(id, host)), String(host)).toBe('PRVD-1003');
    }
  });

  it('signs the normalised host into the state and uses the client registered for that host', async () => {
    for (const [given, host, client] of [
      [world.fake.origin, world.fake.origin, `${id}-a`],
      [`${hostB.toUpperCase()}/`, hostB, `${id}-b`],
    ] as const) {
      const response = await start(id, given);
      const authorize = locationOf(response);
      expect(authorize.origin).toBe(host);
      const row = findProviderRow(id)!;
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
    const { userId, session } = await world.user('host-at-callback');
    const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
    const browser = world.browser();
    const response = await browser.request(`${API}/web/provider-auth/gitlab_enterprise?code=${code.json.code}&host=${encodeURIComponent(world.fake.origin)}`);
    const state = locationOf(response).searchParams.get('state')!;
    const callback = await browser.request(`${callbackUrl('gitlab_enterprise')}?code=${CODE}&state=${encodeURIComponent(state)}&host=${encodeURIComponent(hostB)}`);
    expect(verdict(callback)).toBe('ok');
    expect(world.fake.last('POST', gitlab.token!.path)!.form).toMatchObject({ client_id: 'gitlab_enterprise-a' });
    expect(await world.rt.tokens.get(userId, 'gitlab_enterprise', world.fake.origin)).toMatchObject({ accessToken: gitlab.stored.accessToken });
    expect(await world.rt.tokens.get(userId, 'gitlab_enterprise', hostB)).toBeUndefined();
  });

  it('is refused on a provider that has none (PRVD-1003)', async () => {
    expect(errorCode(await start('github', 'github.com'))).toBe('PRVD-1003');
    expect(errorCode(await start('github'))).toBe('redirected');
  });
});
