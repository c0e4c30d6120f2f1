import { describe, expect, it } from 'vitest';
import { canSignUp, PROVIDER_CATALOG } from '../../shared/providers/catalog';

/** What every row must hold for the one flow engine to read it safely. */
describe('the provider catalog', () => {
  it('has the integrations CodeStream offered and Jira Data Center OAuth 2.0, each once, each citing https documentation', () => {
    expect(PROVIDER_CATALOG.map((row) => row.id).sort()).toEqual(
      ['asana', 'azuredevops', 'bitbucket', 'demo', 'github', 'github_enterprise', 'gitlab', 'gitlab_enterprise', 'jira', 'jira_datacenter', 'jiraserver', 'linear', 'msteams', 'oidc', 'okta', 'slack', 'trello', 'youtrack'].sort(),
    );
    for (const row of PROVIDER_CATALOG) expect(new URL(row.docs).protocol, row.id).toBe('https:');
  });

  it('uses https endpoints, and {host} templates exactly on the rows that need a host', () => {
    for (const row of PROVIDER_CATALOG) {
      if (row.endpoints.kind !== 'static') continue;
      const { kind: _kind, revoke, ...urls } = row.endpoints;
      for (const url of [...Object.values(urls), revoke?.url].filter((u): u is string => Boolean(u))) {
        if (row.host === 'required') expect(url, `${row.id} ${url}`).toMatch(/^\{host\}(\/|$)/);
        else expect(url, `${row.id} ${url}`).toMatch(/^https:\/\/[a-z0-9.-]+(\/|$)/);
      }
    }
  });

  it('gives each grant what it needs: a token endpoint to code and OAuth 1.0a rows, none to fragment rows', () => {
    for (const row of PROVIDER_CATALOG) {
      if (row.endpoints.kind === 'discovery') {
        expect(row.grant, row.id).toBe('code');
        continue;
      }
      if (row.grant === 'fragment') {
        expect(row.endpoints.token, row.id).toBeUndefined();
        expect(row.refresh, row.id).toBe(false);
      } else {
        expect(row.endpoints.token, row.id).toBeTruthy();
      }
      if (row.grant === 'oauth1') expect(row.endpoints.requestToken, row.id).toBeTruthy();
      if (row.grant !== 'code') expect(row.pkce, row.id).toBe(false);
    }
  });

  it('lets every row sign a person up but the fragment rows, whose token proves nothing about who obtained it', () => {
    expect(PROVIDER_CATALOG.filter((row) => !canSignUp(row)).map((row) => row.id).sort()).toEqual(['trello', 'youtrack']);
    for (const row of PROVIDER_CATALOG) expect(canSignUp(row), row.id).toBe(row.grant !== 'fragment');
  });

  it('keeps PKCE on unless a row says why not (code rows)', () => {
    const optedOut = PROVIDER_CATALOG.filter((row) => row.grant === 'code' && !row.pkce).map((row) => row.id);
    expect(optedOut.sort()).toEqual(['bitbucket', 'jira', 'slack']);
  });

  it('never lets an extra authorize parameter replace the client, redirect, state or PKCE challenge', () => {
    for (const row of PROVIDER_CATALOG) {
      for (const name of Object.keys(row.authorizeParams ?? {})) {
        expect(['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scope'], `${row.id}.${name}`).not.toContain(name);
      }
    }
  });
});
