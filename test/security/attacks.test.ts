import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../support/world';
import { authorizeAtProvider, type Browser } from '../../local/scripted-browser';
import { CALLBACK_PREFIX, locationOf, signUp, start } from '../support/flows';
import { sealState } from '../../shared/state';
import { generateKeyRingJson, parseKeyRing } from '../../shared/crypto/keys';

let world: World;
let session: string;
beforeAll(async () => {
  world = await createWorld();
  session = (await signUp(world, 'victim')).session;
});
afterAll(() => world.close());

/** A connect handshake taken up to the provider's redirect back (code and state), not yet delivered. */
async function pending(login = 'victim'): Promise<{ browser: Browser; url: URL; cookie: string }> {
  const started = await start(world, { flow: 'connect', session });
  const browser = world.browser();
  const url = new URL(await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, login));
  return { browser, url, cookie: browser.cookieHeader(url) };
}

async function send(url: URL | string, cookie?: string): Promise<string> {
  const response = await world.browser().request(url.toString(), cookie ? { headers: { cookie } } : {});
  expect(response.status).toBe(302);
  const location = locationOf(response);
  if (location.pathname === '/web/error') return location.searchParams.get('code')!;
  // The agent's loopback listener: the outcome is in its query.
  if (location.searchParams.has('complete')) return location.searchParams.get('error') ?? 'ok';
  expect(location.pathname).toBe('/web/auth-complete/oidc');
  return 'ok';
}

const withState = (url: URL, state: string) => {
  const copy = new URL(url);
  copy.searchParams.set('state', state);
  return copy;
};

describe('attacks on the state and the browser binding', () => {
  it('refuses every attempt with its SPEC code (table)', async () => {
    const rows: { attempt: string; expected: string; got: string }[] = [];
    const attempt = async (name: string, expected: string, run: () => Promise<string>) => rows.push({ attempt: name, expected, got: await run() });

    const genuine = await pending();
    const state = genuine.url.searchParams.get('state')!;
    const [env, jwe] = state.split('!') as [string, string];
    const segments = jwe.split('.');
    const names = ['protected header', 'encrypted key', 'iv', 'ciphertext', 'tag'];
    for (let i = 0; i < segments.length; i++) {
      if (!segments[i]) continue;
      const flipped = segments.map((s, j) => (j === i ? (s.at(-2) === 'A' ? `${s.slice(0, -2)}B${s.at(-1)}` : `${s.slice(0, -2)}A${s.at(-1)}`) : s));
      await attempt(`tamper: ${names[i]} flipped`, 'AUTH-1002', () => send(withState(genuine.url, `${env}!${flipped.join('.')}`), genuine.cookie));
    }
    await attempt('tamper: environment prefix changed', 'AUTH-1002', () => send(withState(genuine.url, `prod!${jwe}`), genuine.cookie));
    await attempt('tamper: truncated', 'AUTH-1002', () => send(withState(genuine.url, state.slice(0, -8)), genuine.cookie));
    await attempt('cross-provider: delivered to /provider-token/demo', 'AUTH-1002', () => send(genuine.url.toString().replace('/provider-token/oidc', '/provider-token/demo'), genuine.cookie));
    await attempt('missing binding cookie', 'AUTH-1007', () => send(genuine.url));
    const other = await pending();
    await attempt("another handshake's binding cookie", 'AUTH-1007', () => send(genuine.url, other.cookie));
    const attacker = await pending('attacker');
    await attempt("login CSRF: attacker's callback in the victim's browser", 'AUTH-1007', () => send(attacker.url, genuine.cookie));
    await attempt('genuine delivery', 'ok', () => send(genuine.url, genuine.cookie));
    // With the browser's own binding the spent state shows its outcome again (a reload), and commits nothing.
    await attempt('replay of the used state (cookie copied): its success page again', 'ok', () => send(genuine.url, genuine.cookie));
    await attempt("the used state with another visit's binding cookie", 'AUTH-1007', () => send(genuine.url, other.cookie));

    const handshakeCode = 'h'.repeat(43);
    const sameKeyOtherEnv = await sealState({ flow: 'connect', provider: 'oidc', handshakeCode, nonce: 'n'.repeat(43), redirectUri: `${CALLBACK_PREFIX}oidc` }, { key: world.rt.keys.state, environment: 'feature-x', now: Date.now() });
    await attempt('cross-environment: sealed for feature-x (same key)', 'AUTH-1002', () => send(withState(other.url, sameKeyOtherEnv), other.cookie));
    await attempt('cross-environment: relabelled to this environment', 'AUTH-1002', () => send(withState(other.url, `test!${sameKeyOtherEnv.split('!')[1]}`), other.cookie));
    const foreignKey = await sealState({ flow: 'connect', provider: 'oidc', handshakeCode, nonce: 'n'.repeat(43), redirectUri: `${CALLBACK_PREFIX}oidc` }, { key: parseKeyRing(generateKeyRingJson()).state, environment: 'test', now: Date.now() });
    await attempt("cross-environment: another environment's key", 'AUTH-1002', () => send(withState(other.url, foreignKey), other.cookie));

    const forged = new URL(other.url);
    forged.searchParams.set('code', 'forged-authorization-code');
    await attempt('forged authorization code', 'RAPI-1010', () => send(forged, other.cookie));

    const late = await pending();
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      await attempt('expired state (10 min + 1 s)', 'AUTH-1005', () => send(late.url, late.cookie));
    } finally {
      world.clock.offsetMs = 0;
    }

    console.log(`attempts and refusals:\n${rows.map((r) => `  ${r.attempt.padEnd(58)} expected ${r.expected.padEnd(9)} got ${r.got}`).join('\n')}`);
    const refused = rows.filter((r) => r.expected !== 'ok');
    console.log(`  ${refused.length} attacks, ${refused.filter((r) => r.got === r.expected).length} refused with the expected code`);
    for (const row of rows) expect(row.got, row.attempt).toBe(row.expected);
  });
});
