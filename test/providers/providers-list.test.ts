import { afterAll, describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG } from '../../shared/providers/catalog';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createContractWorld } from './support/contract-world';

/**
 * `GET /providers` (no auth): the rows an IDE can offer, which are configured here, which need a host, and which
 * can sign a person up (not the fragment providers, Trello and YouTrack: their tokens prove nothing about who obtained them).
 */
const CONNECT_ONLY = ['trello', 'youtrack'];
const expectedRows = (configured: (id: string) => boolean) =>
  PROVIDER_CATALOG.map((row) => ({ id: row.id, name: row.name, needsHost: row.host === 'required', configured: configured(row.id), signup: !CONNECT_ONLY.includes(row.id) }));

let stack: LocalStack | undefined;
afterAll(() => stack?.close());

describe('GET /providers', () => {
  it('lists every catalog row on the local stack, the demo provider configured', async () => {
    stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0 });
    const response = await fetch(`${stack.apiUrl}/providers`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { providers: unknown[] };
    expect(body.providers).toEqual(expectedRows((id) => id === 'demo' || id === 'oidc'));
    expect(body.providers.map((p) => (p as { id: string }).id)).toEqual(
      expect.arrayContaining(['github', 'github_enterprise', 'gitlab', 'gitlab_enterprise', 'bitbucket', 'jira', 'asana', 'azuredevops', 'linear', 'msteams', 'slack', 'okta', 'trello', 'youtrack', 'jiraserver', 'oidc', 'demo']),
    );
  });

  it('says which rows this environment configured, and never a client id, secret, key or host', async () => {
    const world = await createContractWorld((origin) => ({
      github: { clientId: 'github-client', clientSecret: 'github-secret-value' },
      gitlab_enterprise: { hosts: { [origin]: { clientId: 'ee-client', clientSecret: 'ee-secret-value' } } },
      okta: { hosts: {} },
      jiraserver: { hosts: { 'https://jira.acme.test': { clientId: 'consumer-key', privateKey: 'PRIVATE-KEY-VALUE' } } },
      oidc: { clientId: 'no-issuer' },
    }));
    try {
      const response = await world.call('GET', '/providers');
      expect(response.status).toBe(200);
      expect(response.json.providers).toEqual(expectedRows((id) => ['github', 'gitlab_enterprise', 'jiraserver'].includes(id)));
      for (const secret of ['github-client', 'secret-value', 'ee-client', 'consumer-key', 'PRIVATE-KEY', 'jira.acme.test', world.fake.origin]) expect(response.body).not.toContain(secret);
    } finally {
      await world.close();
    }
  });
});
