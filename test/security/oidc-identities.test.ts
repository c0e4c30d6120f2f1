import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProvider, type DemoProvider } from '../../local/demo-provider';
import { ProviderDirectory } from '../../shared/providers/directory';
import { StaticSettings, type ProvidersSettings } from '../../shared/providers/settings';
import { signUp } from '../support/flows';
import { CLIENT_SECRET, createWorld, PUBLIC_API_URL, type World } from '../support/world';

/**
 * OpenID Connect identities are keyed by issuer and subject (OpenID Connect Core §5.7: `sub` is unique only
 * within its issuer). Re-pointing the `oidc` row at another issuer, whose users may well have the same
 * subjects, must never sign them in as the first issuer's users; two rows at one issuer are one person.
 */
let world: World;
let other: DemoProvider;
const rows = (oidcIssuer: string, demoIssuer: string): ProvidersSettings => ({
  oidc: { issuer: oidcIssuer, clientId: 'handshake-test', clientSecret: CLIENT_SECRET },
  demo: { issuer: demoIssuer, clientId: 'handshake-test', clientSecret: CLIENT_SECRET },
});
const configure = (settings: ProvidersSettings) => (world.rt.providers = new ProviderDirectory(new StaticSettings(settings), world.rt.http));

beforeAll(async () => {
  world = await createWorld();
  const callback = `${PUBLIC_API_URL}/no-auth/provider-token`;
  other = await startDemoProvider({ clients: [{ clientId: 'handshake-test', clientSecret: CLIENT_SECRET, redirectUris: [`${callback}/oidc`, `${callback}/demo`] }] });
});
afterAll(async () => {
  await other?.close();
  await world?.close();
});

describe('OpenID Connect identities', () => {
  it('never maps another issuer’s user with the same subject onto an existing account', async () => {
    configure(rows(world.provider.issuer, world.provider.issuer));
    const first = await signUp(world, 'ada-issuer');
    expect(first.check.json.signupStatus).toBe('userCreated');

    // The `oidc` row now names another issuer, which has its own "ada-issuer".
    configure(rows(other.issuer, world.provider.issuer));
    const impostor = await signUp(world, 'ada-issuer');
    expect(impostor.check.json.signupStatus).toBe('userCreated');
    expect(impostor.check.json.user.id).not.toBe(first.check.json.user.id);

    // Back at the first issuer, through the other row: the same person, the same account.
    const again = await signUp(world, 'ada-issuer', 'demo');
    expect(again.check.json).toMatchObject({ signupStatus: 'signedIn', user: { id: first.check.json.user.id } });

    const identities = (await world.scan()).filter((i) => i.sk === 'IDENTITY' && i.subject === 'ada-issuer');
    expect(identities.map((i) => i.pk).sort()).toEqual([`IDENTITY#iss#${other.issuer}#ada-issuer`, `IDENTITY#iss#${world.provider.issuer}#ada-issuer`].sort());
  });
});
