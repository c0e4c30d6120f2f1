import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { authorizeAtProvider, type Browser } from '../../local/scripted-browser';
import { CALLBACK_PREFIX, connect, locationOf, signUp } from '../support/flows';
import { sealState } from '../../shared/state';

let world: World;
let session: string;
let userId: string;
beforeAll(async () => {
  world = await createWorld({
    settings: (issuer) => ({
      oidc: { issuer, clientId: 'handshake-test', clientSecret: 'oidc-client-secret-never-logged' },
      okta: { hosts: { 'https://acme.okta.com': { clientId: 'okta-client', clientSecret: 'okta-secret' } } },
    }),
  });
  const signup = await signUp(world, 'mallory-target');
  session = signup.session;
  userId = signup.check.json.user.id;
});
afterAll(() => world.close());

/** A connect handshake taken up to the provider's redirect back, not yet delivered to our callback. */
async function pendingCallback(login = 'victim'): Promise<{ browser: Browser; url: URL }> {
  const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
  const browser = world.browser();
  const url = await authorizeAtProvider(browser, `${PUBLIC_API_URL}/web/provider-auth/oidc?code=${code.json.code}`, CALLBACK_PREFIX, login);
  return { browser, url: new URL(url) };
}

/** Our callback's verdict: the error code on the error page it redirects to, or 'ok' for the success page. */
async function deliver(browser: Browser, url: URL | string): Promise<string> {
  const response = await browser.request(url.toString());
  expect(response.status).toBe(302);
  const location = locationOf(response);
  return location.pathname === '/web/error' ? location.searchParams.get('code')! : 'ok';
}

/** The same callback sent again with a copied cookie header (what a replaying attacker can do). */
async function replay(url: URL, cookie: string): Promise<string> {
  const response = await world.browser().request(url.toString(), { headers: { cookie } });
  const location = locationOf(response);
  return location.pathname === '/web/error' ? location.searchParams.get('code')! : 'ok';
}

const tokenItems = async () => (await world.scan()).filter((i) => i.pk === `USER#${userId}` && String(i.sk).startsWith('TOKEN#'));

describe('the callback refuses bad input with SPEC codes on the error page', () => {
  it('missing state → RAPI-1001', async () => {
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc`)).toBe('RAPI-1001');
  });

  it('malformed state → AUTH-1002', async () => {
    for (const state of ['garbage', '!', 'test!', 'test!a.b.c.d.e', `test!${'x'.repeat(5000)}`, 'TEST!abc', '../../etc!x']) {
      expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc&state=${encodeURIComponent(state)}`)).toBe('AUTH-1002');
    }
  });

  it('repeated state parameter → RAPI-1001', async () => {
    const { browser, url } = await pendingCallback();
    url.searchParams.append('state', 'test!other');
    expect(await deliver(browser, url)).toBe('RAPI-1001');
  });

  it('missing code with a valid state → RAPI-1001, and the state is spent', async () => {
    const { browser, url } = await pendingCallback();
    const code = url.searchParams.get('code')!;
    const cookie = browser.cookieHeader(url);
    url.searchParams.delete('code');
    expect(await deliver(browser, url)).toBe('RAPI-1001');
    url.searchParams.set('code', code);
    expect(await replay(url, cookie)).toBe('AUTH-1008');
  });

  it('expired state → AUTH-1005', async () => {
    const { browser, url } = await pendingCallback();
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      // The binding cookie has also expired in a real browser by now; present it anyway to reach the expiry check.
      expect(await deliver(browser, url)).toBe('AUTH-1005');
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('tampered state (each JWE segment flipped, prefix edited) → AUTH-1002', async () => {
    const { browser, url } = await pendingCallback();
    const state = url.searchParams.get('state')!;
    const [env, jwe] = state.split('!') as [string, string];
    const segments = jwe.split('.');
    for (let i = 0; i < segments.length; i++) {
      const flipped = [...segments];
      const s = flipped[i]!;
      if (!s) continue; // dir JWE has an empty encrypted-key segment
      flipped[i] = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      url.searchParams.set('state', `${env}!${flipped.join('.')}`);
      expect(await deliver(browser, url), `segment ${i}`).toBe('AUTH-1002');
    }
    url.searchParams.set('state', `prod!${jwe}`);
    expect(await deliver(browser, url)).toBe('AUTH-1002');
    url.searchParams.set('state', `${state.slice(0, -4)}`);
    expect(await deliver(browser, url)).toBe('AUTH-1002');
    // The genuine state still works afterwards: refusals spent nothing.
    url.searchParams.set('state', state);
    expect(await deliver(browser, url)).toBe('ok');
  });

  it('state sealed for another provider → AUTH-1002', async () => {
    const { browser, url } = await pendingCallback();
    const response = await browser.request(url.toString().replace('/provider-token/oidc', '/provider-token/demo'));
    expect(locationOf(response).searchParams.get('code')).toBe('AUTH-1002');
  });

  it('state sealed for another environment with the same key → AUTH-1002', async () => {
    const foreign = await sealState(
      { flow: 'connect', provider: 'oidc', userId, nonce: 'n'.repeat(43), redirectUri: `${CALLBACK_PREFIX}oidc` },
      { key: world.rt.keys.state, environment: 'feature-x', now: Date.now() },
    );
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc&state=${encodeURIComponent(foreign)}`)).toBe('AUTH-1002');
    const relabelled = `test!${foreign.split('!')[1]}`;
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc&state=${encodeURIComponent(relabelled)}`)).toBe('AUTH-1002');
  });

  it('missing or different binding cookie → AUTH-1007', async () => {
    const { url } = await pendingCallback();
    expect(await deliver(world.browser(), url)).toBe('AUTH-1007');
    const { browser: other } = await pendingCallback();
    expect(await deliver(other, url)).toBe('AUTH-1007');
  });

  it('a state used twice → AUTH-1008', async () => {
    const { browser, url } = await pendingCallback();
    const cookie = browser.cookieHeader(url);
    expect(await deliver(browser, url)).toBe('ok');
    // The callback cleared the cookie; a replaying attacker who copied it presents it again.
    expect(await replay(url, cookie)).toBe('AUTH-1008');
    expect(await deliver(browser, url)).toBe('AUTH-1007');
  });

  it('unknown provider → PRVD-1000', async () => {
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}nosuch?code=a&state=test!x`)).toBe('AUTH-1002');
    const start = await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/nosuch?signupToken=${randomUUID()}`);
    expect(locationOf(start).searchParams.get('code')).toBe('PRVD-1000');
  });

  it('the provider answering error=access_denied (connect) → USRC-1022, nothing stored', async () => {
    const before = await tokenItems();
    const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
    const browser = world.browser();
    const url = await authorizeAtProvider(browser, `${PUBLIC_API_URL}/web/provider-auth/oidc?code=${code.json.code}`, CALLBACK_PREFIX, 'x', { abort: true });
    expect(await deliver(browser, url)).toBe('USRC-1022');
    expect(await tokenItems()).toEqual(before);
  });

  it('the provider refusing the code exchange → RAPI-1010, nothing stored', async () => {
    const before = await tokenItems();
    const { browser, url } = await pendingCallback();
    url.searchParams.set('code', 'not-a-code-the-provider-issued');
    expect(await deliver(browser, url)).toBe('RAPI-1010');
    expect(await tokenItems()).toEqual(before);
  });

  it('a sign-up whose code exchange is refused tells the poller USRC-1022', async () => {
    const signupToken = randomUUID();
    const browser = world.browser();
    const url = new URL(await authorizeAtProvider(browser, `${PUBLIC_API_URL}/web/provider-auth/oidc?signupToken=${signupToken}`, CALLBACK_PREFIX, 'y'));
    url.searchParams.set('code', 'forged');
    expect(await deliver(browser, url)).toBe('RAPI-1010');
    const poll = await world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } });
    expect(poll).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'invalid_grant' } } });
  });
});

describe('provider-auth refuses bad input on the error page', () => {
  const start = async (query: string, provider = 'oidc') => locationOf(await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/${provider}?${query}`)).searchParams.get('code');

  it('neither or both of code and signupToken → RAPI-1001', async () => {
    expect(await start('')).toBe('RAPI-1001');
    expect(await start(`code=abcdefghijklmnopqrstuvwxyz&signupToken=${randomUUID()}`)).toBe('RAPI-1001');
  });
  it('a sign-up token too short to be random → RAPI-1001', async () => {
    expect(await start('signupToken=short')).toBe('RAPI-1001');
  });
  it('an unknown or malformed connect code → AUTH-1002', async () => {
    expect(await start('code=abcdefghijklmnopqrstuvwxyz0123')).toBe('AUTH-1002');
    expect(await start('code=%3Cscript%3E')).toBe('AUTH-1002');
  });
  it('a provider this environment has not configured → PRVD-1009', async () => {
    expect(await start(`signupToken=${randomUUID()}`, 'github')).toBe('PRVD-1009');
  });
  it('a per-org provider without a host, or with an unknown or tricky host → PRVD-1003', async () => {
    const token = randomUUID();
    expect(await start(`signupToken=${token}`, 'okta')).toBe('PRVD-1003');
    for (const host of ['https://evil.okta.com', 'https://acme.okta.com@evil.com', 'https://acme.okta.com/path', 'http://acme.okta.com', 'javascript:alert(1)']) {
      expect(await start(`signupToken=${token}&host=${encodeURIComponent(host)}`, 'okta'), host).toBe('PRVD-1003');
    }
  });
  it('a configured per-org host goes to that org', async () => {
    const response = await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/okta?signupToken=${randomUUID()}&host=acme.okta.com`);
    expect(locationOf(response).origin + locationOf(response).pathname).toBe('https://acme.okta.com/oauth2/v1/authorize');
  });
  it('the alias /no-auth/provider-auth behaves the same', async () => {
    const response = await world.browser().request(`${PUBLIC_API_URL}/no-auth/provider-auth/oidc?signupToken=${randomUUID()}`);
    expect(locationOf(response).origin).toBe(world.provider.issuer);
  });
});

describe('check-signup refuses bad input with JSON', () => {
  it('a body that is not JSON, or has no token → 400 RAPI-1001', async () => {
    expect(await world.call('PUT', '/no-auth/check-signup', { body: '{not json' })).toMatchObject({ status: 400, json: { code: 'RAPI-1001' } });
    expect(await world.call('PUT', '/no-auth/check-signup', { body: { nope: 1 } })).toMatchObject({ status: 400, json: { code: 'RAPI-1001' } });
    expect(await world.call('PUT', '/no-auth/check-signup', { body: [] })).toMatchObject({ status: 400, json: { code: 'RAPI-1001' } });
  });
});

describe('the error page', () => {
  it('escapes what it echoes and shows only messages of its own', async () => {
    const page = await world.browser().request(`${PUBLIC_API_URL}/web/error?code=%3Cimg%20src=x%3E&provider=%3Cscript%3Ealert(1)%3C/script%3E`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>');
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('&lt;script&gt;');
    const known = await world.browser().request(`${PUBLIC_API_URL}/web/error?code=AUTH-1007&provider=oidc`);
    expect(known.body).toContain('AUTH-1007');
    expect(known.body).toContain('started in another browser');
  });
});

describe('secrets never reach a log line', () => {
  it('logs no token, code, state, cookie or client secret across the flows and the refusals', async () => {
    const secrets: string[] = ['oidc-client-secret-never-logged'];
    const { output } = await (await import('../support/world')).captureOutput(async () => {
      const signup = await signUp(world, 'logwatch');
      secrets.push(signup.signupToken, signup.session, signup.check.json.user.providerInfo.oidc.accessToken);
      const callback = new URL(signup.run.callbackUrl);
      secrets.push(callback.searchParams.get('code')!, callback.searchParams.get('state')!.split('!')[1]!);
      const connected = await connect(world, signup.session, 'logwatch');
      const url = new URL(connected.run.callbackUrl);
      secrets.push(connected.code, url.searchParams.get('code')!, url.searchParams.get('state')!.split('!')[1]!);
      secrets.push(...connected.run.browser.cookies.map((c) => c.value));
      // Refusals too: replay, forged code.
      await connected.run.browser.request(url.toString());
      const pending = await pendingCallback();
      secrets.push(pending.url.searchParams.get('code')!);
      pending.url.searchParams.set('code', 'forged-code-value-0123456789');
      secrets.push('forged-code-value-0123456789');
      await pending.browser.request(pending.url.toString());
    });
    expect(output).toContain('"level"');
    for (const secret of secrets) expect(output, 'a secret reached the log').not.toContain(secret);
  });
});
