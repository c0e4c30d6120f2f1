import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ProviderDirectory } from '../../shared/providers/directory';
import { StaticSettings, type ProvidersSettings } from '../../shared/providers/settings';

/** Row options (tenant, authorizationServer, clientAuth): defaults, what they change, and clear refusals. */
const OKTA = 'https://acme.okta.com';
const directory = (settings: ProvidersSettings) => new ProviderDirectory(new StaticSettings(settings), { fetch: globalThis.fetch, timeoutMs: 1_000 });

describe('row options', () => {
  it('Okta: the org authorization server and Basic by default; a custom server and client_secret_post when set', async () => {
    const plain = await directory({ okta: { hosts: { [OKTA]: { clientId: 'c', clientSecret: 's' } } } }).resolve('okta', OKTA);
    expect(plain.endpoints).toMatchObject({ authorize: `${OKTA}/oauth2/v1/authorize`, token: `${OKTA}/oauth2/v1/token`, userinfo: `${OKTA}/oauth2/v1/userinfo` });
    expect(plain.row.clientAuth).toBe('header');
    expect(plain.endpoints.revoke).toMatchObject({ url: `${OKTA}/oauth2/v1/revoke`, auth: 'client-basic' });

    const custom = await directory({ okta: { hosts: { [OKTA]: { clientId: 'c', clientSecret: 's', authorizationServer: 'aus1a2b3c4D5e6F7g8', clientAuth: 'post' } } } }).resolve('okta', OKTA);
    expect(custom.endpoints).toMatchObject({ authorize: `${OKTA}/oauth2/aus1a2b3c4D5e6F7g8/v1/authorize`, token: `${OKTA}/oauth2/aus1a2b3c4D5e6F7g8/v1/token` });
    expect(custom.row.clientAuth).toBe('body');
    expect(custom.endpoints.revoke).toMatchObject({ url: `${OKTA}/oauth2/aus1a2b3c4D5e6F7g8/v1/revoke`, auth: 'client-body' });
  });

  it('Microsoft: the organizations tenant by default, or the one configured', async () => {
    for (const id of ['msteams', 'azuredevops']) {
      expect((await directory({ [id]: { clientId: 'c', clientSecret: 's' } }).resolve(id)).endpoints.authorize).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize');
      for (const tenant of ['consumers', 'common', 'contoso.onmicrosoft.com', 'f8cdef31-a31e-4b4a-93e4-5f571e91255a']) {
        const resolved = await directory({ [id]: { clientId: 'c', clientSecret: 's', tenant } }).resolve(id);
        expect(resolved.endpoints.token).toBe(`https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`);
      }
    }
  });

  it('refuses a malformed option, or one the row does not take, with PRVD-1009 naming the provider and the field', async () => {
    const cases: [ProvidersSettings, string, string | undefined, RegExp][] = [
      [{ msteams: { clientId: 'c', tenant: '../evil' } }, 'msteams', undefined, /^msteams: tenant must be/],
      [{ okta: { hosts: { [OKTA]: { clientId: 'c', authorizationServer: 'default/../x' } } } }, 'okta', OKTA, /^okta: authorizationServer must be/],
      [{ okta: { hosts: { [OKTA]: { clientId: 'c', clientAuth: 'jwt' as never } } } }, 'okta', OKTA, /^okta: clientAuth must be "basic"/],
      [{ github: { clientId: 'c', tenant: 'common' } }, 'github', undefined, /^github: tenant is not a setting of this provider/],
    ];
    for (const [settings, id, host, message] of cases) {
      await expect(directory(settings).check(id, host)).rejects.toMatchObject({ code: 'PRVD-1009', message: expect.stringMatching(message) });
      expect(() => StaticSettings.fromJson(JSON.stringify(settings)), id).toThrow(message);
    }
  });

  it('npm start refuses a bad option with one sentence, before starting anything', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      env: { ...process.env, HANDSHAKE_HTTP_PORT: '0', HANDSHAKE_WS_PORT: '0', HANDSHAKE_DEMO_PORT: '0', HANDSHAKE_PROVIDERS_CONFIG: JSON.stringify({ msteams: { clientId: 'c', tenant: 'not a tenant' } }) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('handshake did not start: msteams: tenant must be');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
