import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWorld, captureOutput, PUBLIC_API_URL, type World } from '../support/world';
import { authorizeAtProvider, submitUserCode, type Browser, type BrowserResponse } from '../../local/scripted-browser';
import { challengeOf, createVerifier } from '../../client/verifier';
import { AGENT_LOOPBACK, CALLBACK_PREFIX, claim, connect, locationOf, readCallbackAnswer, signUp, start, verdict, type Started } from '../support/flows';
import { sealState } from '../../shared/state';
import { tokensInItems } from '../support/table-tokens';

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
async function pendingCallback(login = 'victim'): Promise<{ started: Started; browser: Browser; url: URL }> {
  const started = await start(world, { flow: 'connect', session });
  const browser = world.browser();
  const url = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, login);
  return { started, browser, url: new URL(url) };
}

/**
 * Our callback's verdict: the code of the error page it sends the browser to, or 'ok' for the success page.
 * In loopback mode the browser gets there through the agent's listener, which learns the same code (`error`).
 */
function outcome(response: BrowserResponse): string {
  expect(response.status).toBe(302);
  const { arrival, page } = readCallbackAnswer(response);
  const code = page.pathname === '/web/error' ? page.searchParams.get('code')! : 'ok';
  if (arrival) expect(arrival.error ?? 'ok').toBe(code);
  return code;
}

async function deliver(browser: Browser, url: URL | string): Promise<string> {
  return outcome(await browser.request(url.toString()));
}

/** The same callback sent with a copied cookie header (what a replaying attacker can do), from a browser of its own. */
async function replay(url: URL, cookie?: string): Promise<BrowserResponse> {
  return world.browser().request(url.toString(), cookie ? { headers: { cookie } } : {});
}

const tokenItems = async () => tokensInItems(await world.scan(), { userId });

describe('the callback refuses bad input with SPEC codes on the error page', () => {
  it('missing state → RAPI-1001', async () => {
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc`)).toBe('RAPI-1001');
  });

  it('malformed state → AUTH-1002', async () => {
    for (const state of ['garbage', '!', 'test!', 'test!a.b.c.d.e', `test!${'x'.repeat(5000)}`, 'TEST!abc', '../../etc!x']) {
      expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc&state=${encodeURIComponent(state)}`)).toBe('AUTH-1002');
    }
  });

  it('repeated state parameter → RAPI-1001, and the genuine callback still works', async () => {
    const { browser, url } = await pendingCallback();
    const twice = new URL(url);
    twice.searchParams.append('state', 'test!other');
    expect(await deliver(browser, twice)).toBe('RAPI-1001');
    expect(await deliver(browser, url)).toBe('ok');
  });

  it('expired state → AUTH-1005, and the claim says expired too', async () => {
    const { started, browser, url } = await pendingCallback();
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      // The binding cookie has also expired in a real browser by now; present it anyway to reach the expiry check.
      expect(await deliver(browser, url)).toBe('AUTH-1005');
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1005' } });
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('tampered state (each JWE segment flipped, prefix edited, truncated) → AUTH-1002, and spends nothing', async () => {
    const { started, browser, url } = await pendingCallback();
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
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1006', info: { status: 'at-provider' } } });
    // The genuine state still works afterwards: refusals before the visit is spent spend nothing.
    url.searchParams.set('state', state);
    expect(await deliver(browser, url)).toBe('ok');
  });

  it('state sealed for another provider → AUTH-1002', async () => {
    const { browser, url } = await pendingCallback();
    const response = await browser.request(url.toString().replace('/provider-token/oidc', '/provider-token/demo'));
    expect(locationOf(response).searchParams.get('code')).toBe('AUTH-1002');
  });

  it('state sealed for another environment with the same key → AUTH-1002', async () => {
    const { started } = await pendingCallback();
    const foreign = await sealState(
      { flow: 'connect', provider: 'oidc', handshakeCode: started.code, nonce: 'n'.repeat(43), redirectUri: `${CALLBACK_PREFIX}oidc` },
      { key: world.rt.keys.state, environment: 'feature-x', now: world.rt.now() },
    );
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc&state=${encodeURIComponent(foreign)}`)).toBe('AUTH-1002');
    const relabelled = `test!${foreign.split('!')[1]}`;
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}oidc?code=abc&state=${encodeURIComponent(relabelled)}`)).toBe('AUTH-1002');
  });

  it('missing or different binding cookie → AUTH-1007, and spends nothing: the right browser still completes', async () => {
    const { browser, url } = await pendingCallback();
    expect(await deliver(world.browser(), url)).toBe('AUTH-1007');
    const { browser: other } = await pendingCallback();
    expect(await deliver(other, url)).toBe('AUTH-1007');
    expect(await deliver(browser, url)).toBe('ok');
  });

  it('a finished callback: a reload in the same browser shows the success page again without a result; another browser gets AUTH-1007; nothing is exchanged twice', async () => {
    const { started, browser, url } = await pendingCallback();
    const cookie = browser.cookieHeader(url);
    const first = await browser.request(url.toString());
    const { arrival } = readCallbackAnswer(first);
    expect(arrival?.result).toEqual(expect.any(String));

    const reload = await browser.request(url.toString());
    expect(outcome(reload)).toBe('ok');
    expect(readCallbackAnswer(reload).arrival).toBeUndefined();
    // A replay with a copied cookie is, to the server, the same browser: the same page, still no result.
    const copied = await replay(url, cookie);
    expect(outcome(copied)).toBe('ok');
    expect(readCallbackAnswer(copied).arrival).toBeUndefined();
    expect(verdict(await replay(url))).toBe('AUTH-1007');

    const check = await claim(world, started, { result: arrival!.result });
    expect(check.status).toBe(200);
    expect((await world.rt.tokens.get(userId, 'oidc'))?.accessToken).toBe(check.json.accessToken);
  });

  it('unknown provider in the callback path → AUTH-1002 (no state of ours names it)', async () => {
    expect(await deliver(world.browser(), `${CALLBACK_PREFIX}nosuch?code=a&state=test!x`)).toBe('AUTH-1002');
  });

  describe('refusals after the visit is spent are recorded on the handshake: the claim answers USRC-1022, the state is used up', () => {
    it('missing code with a valid state → RAPI-1001; the same state with the code is then refused the same way, nothing stored', async () => {
      const before = await tokenItems();
      const { started, browser, url } = await pendingCallback();
      const code = url.searchParams.get('code')!;
      const cookie = browser.cookieHeader(url);
      url.searchParams.delete('code');
      expect(await deliver(browser, url)).toBe('RAPI-1001');
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'missing_code' } } });
      url.searchParams.set('code', code);
      const again = await replay(url, cookie);
      expect(outcome(again)).toBe('RAPI-1001');
      expect(readCallbackAnswer(again).arrival).toBeUndefined();
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022' } });
      expect(await tokenItems()).toEqual(before);
    });

    it('the provider answering error=access_denied (connect) → USRC-1022 with reason=cancelled, nothing stored; a reload shows the same page', async () => {
      const before = await tokenItems();
      const started = await start(world, { flow: 'connect', session });
      const browser = world.browser();
      const url = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, 'x', { abort: true });
      const response = await browser.request(url);
      expect(outcome(response)).toBe('USRC-1022');
      expect(readCallbackAnswer(response).page.searchParams.get('reason')).toBe('cancelled');
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'access_denied' } } });
      expect(locationOf(await browser.request(url)).toString()).toBe(readCallbackAnswer(response).page.toString());
      expect(await tokenItems()).toEqual(before);
    });

    it('the provider refusing the code exchange → RAPI-1010, the claim USRC-1022 {error: invalid_grant}, nothing stored', async () => {
      const before = await tokenItems();
      const { started, browser, url } = await pendingCallback();
      url.searchParams.set('code', 'not-a-code-the-provider-issued');
      expect(await deliver(browser, url)).toBe('RAPI-1010');
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'invalid_grant' } } });
      expect(await tokenItems()).toEqual(before);
    });

    it('a sign-up whose code exchange is refused: the poller gets USRC-1022, nobody is created', async () => {
      const started = await start(world, { flow: 'signup', mode: 'poll' });
      const browser = world.browser();
      const url = new URL(await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, 'forged-signup', { userCode: started.userCode }));
      url.searchParams.set('code', 'forged');
      expect(await deliver(browser, url)).toBe('RAPI-1010');
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'invalid_grant' } } });
      expect((await world.scan()).filter((i) => i.sk === 'IDENTITY' && String(i.subject).startsWith('forged-signup'))).toHaveLength(0);
    });
  });
});

describe('provider-auth refuses bad input on the error page', () => {
  const visit = async (query: string, provider = 'oidc') => verdict(await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/${provider}?${query}`));

  it('no code → RAPI-1001', async () => {
    expect(await visit('')).toBe('RAPI-1001');
    expect(await visit('signupToken=c2d0a6f2-3b7e-4f4e-9d1e-6a7b8c9d0e1f')).toBe('RAPI-1001');
  });
  it('an unknown or malformed code → AUTH-1002', async () => {
    expect(await visit(`code=${'a'.repeat(43)}`)).toBe('AUTH-1002');
    expect(await visit('code=abcdefghijklmnopqrstuvwxyz0123')).toBe('AUTH-1002');
    expect(await visit('code=%3Cscript%3E')).toBe('AUTH-1002');
  });
  it('a code visited under another provider → AUTH-1002, and the right provider still works', async () => {
    const started = await start(world, { flow: 'signup' });
    expect(await visit(`code=${started.code}`, 'demo')).toBe('AUTH-1002');
    expect(await visit(`code=${started.code}`, 'nosuch')).toBe('AUTH-1002');
    expect(locationOf(await world.browser().request(started.url)).origin).toBe(world.provider.issuer);
  });
  it('a handshake past its 10 minutes → AUTH-1005', async () => {
    const started = await start(world, { flow: 'signup' });
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      expect(verdict(await world.browser().request(started.url))).toBe('AUTH-1005');
    } finally {
      world.clock.offsetMs = 0;
    }
  });
  it('a confirmation form posted without the page’s CSRF field or cookie, or from another site → AUTH-1007; the person’s own form still works', async () => {
    const started = await start(world, { flow: 'signup', mode: 'poll' });
    const browser = world.browser();
    const page = await browser.request(started.url);
    const csrf = /name="csrf" value="([^"]*)"/.exec(page.body)![1]!;
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const action = `${PUBLIC_API_URL}/web/provider-auth/oidc`;
    expect(verdict(await browser.request(action, form({ code: started.code, userCode: started.userCode! })))).toBe('AUTH-1007');
    expect(verdict(await world.browser().request(action, form({ code: started.code, userCode: started.userCode!, csrf })))).toBe('AUTH-1007');
    const crossSite = await browser.request(action, { ...form({ code: started.code, userCode: started.userCode!, csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' } });
    expect(verdict(crossSite)).toBe('AUTH-1007');
    expect(verdict(await browser.request(action, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }))).toBe('RAPI-1001');
    const onward = await submitUserCode(browser, page, started.userCode!, (next) => next.startsWith(world.provider.issuer));
    expect(locationOf(onward).origin).toBe(world.provider.issuer);
  });
  it('a configured per-org host goes to that org', async () => {
    const started = await start(world, { flow: 'signup', provider: 'okta', host: 'acme.okta.com' });
    const response = await world.browser().request(started.url);
    expect(locationOf(response).origin + locationOf(response).pathname).toBe('https://acme.okta.com/oauth2/v1/authorize');
  });
  it('the alias /no-auth/provider-auth behaves the same', async () => {
    const started = await start(world, { flow: 'signup' });
    const response = await world.browser().request(`${PUBLIC_API_URL}/no-auth/provider-auth/oidc?code=${started.code}`);
    expect(locationOf(response).origin).toBe(world.provider.issuer);
  });
});

describe('the start refuses bad input with JSON', () => {
  const body = (changes: Record<string, unknown> = {}) => ({ provider: 'oidc', flow: 'signup', challenge: challengeOf(createVerifier()), challengeMethod: 'S256', redirectUri: AGENT_LOOPBACK, ...changes });
  const post = (payload: unknown) => world.call('POST', '/provider-auth-code', { body: payload });
  const without = (name: string) => Object.fromEntries(Object.entries(body()).filter(([key]) => key !== name));

  it('accepts the well-formed body it is compared against', async () => {
    expect((await post(body())).status).toBe(200);
  });

  it('a body that is not a JSON object, or without provider, flow, challenge or challengeMethod S256 → 400 RAPI-1001', async () => {
    const refused: [string, unknown][] = [
      ['not JSON', '{not json'],
      ['an array', []],
      ['no provider', without('provider')],
      ['provider not a string', body({ provider: 42 })],
      ['empty provider', body({ provider: '' })],
      ['provider too long', body({ provider: 'p'.repeat(65) })],
      ['no flow', without('flow')],
      ['an unknown flow', body({ flow: 'login' })],
      ['no challenge', without('challenge')],
      ['a challenge too short', body({ challenge: 'c'.repeat(42) })],
      ['a challenge that is not base64url', body({ challenge: `${'c'.repeat(42)}=` })],
      ['the verifier itself (too long) as challenge', body({ challenge: createVerifier() + createVerifier() })],
      ['no challengeMethod', without('challengeMethod')],
      ['challengeMethod plain', body({ challengeMethod: 'plain' })],
      ['challengeMethod s256 (lower case)', body({ challengeMethod: 's256' })],
      ['host not a string', body({ host: ['acme'] })],
      ['client not an object', body({ client: 'VS Code' })],
      ['client.name of 41 characters', body({ client: { name: 'n'.repeat(41) } })],
      ['client.name with a control character', body({ client: { name: 'VS\u0007Code' } })],
      ['client.name with a newline', body({ client: { name: 'VS Code\nSign in as admin' } })],
      ['client.name with a bidi override', body({ client: { name: 'VS \u202eedoC' } })],
      ['client.name not a string', body({ client: { name: 7 } })],
      ['client.device with a control character', body({ client: { name: 'VS Code', device: 'laptop\u0000' } })],
    ];
    for (const [what, payload] of refused) expect(await post(payload), what).toMatchObject({ status: 400, json: { code: 'RAPI-1001' } });
  });

  it('a redirectUri that is not http://127.0.0.1:<port>/… or http://[::1]:<port>/… → 400 RAPI-1002', async () => {
    for (const redirectUri of [
      'http://localhost:9/agent',
      'https://127.0.0.1:9/agent',
      'http://127.0.0.1/agent',
      'http://127.0.0.1:9/agent?next=https://evil.example',
      'http://127.0.0.1:9/agent#x',
      'http://user@127.0.0.1:9/agent',
      'http://127.1:9/agent',
      'http://127.0.0.1:0/agent',
      'http://127.0.0.1:65536/agent',
      'http://127.0.0.1.evil.example:9/agent',
      'https://evil.example/agent',
      '',
      42,
    ]) {
      expect(await post(body({ redirectUri })), String(redirectUri)).toMatchObject({ status: 400, json: { code: 'RAPI-1002' } });
    }
    for (const redirectUri of ['http://127.0.0.1:9/agent', 'http://[::1]:9/agent', 'http://127.0.0.1:65535']) expect((await post(body({ redirectUri }))).status, redirectUri).toBe(200);
  });

  it('a well-formed body naming a provider this environment cannot use → its PRVD code', async () => {
    expect(await post(body({ provider: 'nosuch' }))).toMatchObject({ status: 403, json: { code: 'PRVD-1000' } });
    expect(await post(body({ provider: 'github' }))).toMatchObject({ status: 403, json: { code: 'PRVD-1009' } });
    expect(await post(body({ provider: 'okta' }))).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    for (const host of ['https://evil.okta.com', 'https://acme.okta.com@evil.com', 'https://acme.okta.com/path', 'http://acme.okta.com', 'javascript:alert(1)']) {
      expect(await post(body({ provider: 'okta', host })), host).toMatchObject({ status: 403, json: { code: 'PRVD-1003' } });
    }
  });
});

describe('check-signup refuses bad input with JSON', () => {
  const put = (payload: unknown) => world.call('PUT', '/no-auth/check-signup', { body: payload });

  it('a body that is not a JSON object, or without a well-formed code, verifier or result → 400 RAPI-1001', async () => {
    const code = 'c'.repeat(43);
    const verifier = createVerifier();
    const refused: [string, unknown][] = [
      ['not JSON', '{not json'],
      ['an array', []],
      ['the v1 body', { token: 'c2d0a6f2-3b7e-4f4e-9d1e-6a7b8c9d0e1f' }],
      ['no code', { verifier }],
      ['a code of the wrong length', { code: 'c'.repeat(42), verifier }],
      ['a code with other characters', { code: `${'c'.repeat(42)}=`, verifier }],
      ['a code that is not a string', { code: 43, verifier }],
      ['no verifier', { code }],
      ['a verifier of 42 characters', { code, verifier: 'v'.repeat(42) }],
      ['a verifier of 129 characters', { code, verifier: 'v'.repeat(129) }],
      ['a verifier with a character RFC 7636 excludes', { code, verifier: `${'v'.repeat(42)}+` }],
      ['a result that is not a string', { code, verifier, result: 1 }],
      ['a result too long', { code, verifier, result: 'r'.repeat(129) }],
    ];
    for (const [what, payload] of refused) expect(await put(payload), what).toMatchObject({ status: 400, json: { code: 'RAPI-1001' } });
  });

  it('a well-formed claim of a code nobody started → 403 AUTH-1002', async () => {
    expect(await put({ code: 'c'.repeat(43), verifier: createVerifier() })).toMatchObject({ status: 403, json: { code: 'AUTH-1002' } });
  });
});

describe('the error page', () => {
  it('prints nothing taken from the URL, only catalog names and messages of its own', async () => {
    const page = await world.browser().request(`${PUBLIC_API_URL}/web/error?code=%3Cimg%20src=x%3E&provider=%3Cscript%3Ealert(1)%3C/script%3E&reason=%3Cb%3Eyou%20were%20hacked`);
    expect(page.status).toBe(200);
    for (const echoed of ['script', 'alert(1)', 'img', 'src=x', 'hacked']) expect(page.body).not.toContain(echoed);
    expect(page.body).toContain('Something went wrong');
    const named = await world.browser().request(`${PUBLIC_API_URL}/web/error?code=RAPI-1010&provider=oidc`);
    expect(named.body).toContain('Sign-in with OpenID Connect failed');
    const known = await world.browser().request(`${PUBLIC_API_URL}/web/error?code=AUTH-1007&provider=oidc`);
    expect(known.body).toContain('AUTH-1007');
    expect(known.body).toContain('started in another browser');
  });

  it('the success page of a provider id nobody knows is the neutral page, whatever text the path carries', async () => {
    for (const text of ['%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'Your%20account%20was%20suspended', 'oidc%22%3E%3Cb%3E']) {
      const page = await world.browser().request(`${PUBLIC_API_URL}/web/auth-complete/${text}`);
      expect(page.status, text).toBe(200);
      expect(page.body, text).toContain('<h1>Return to your IDE</h1>');
      for (const echoed of ['script', 'alert(1)', 'suspended', '<b>']) expect(page.body, text).not.toContain(echoed);
    }
  });
});

describe('secrets never reach a log line', () => {
  it('logs no token, handshake code, verifier, result, user code, state, cookie or client secret across the flows and the refusals, whole events included', async () => {
    const secrets: string[] = ['oidc-client-secret-never-logged'];
    // Every line the flows write, whatever level the run was started with (POWERTOOLS_LOG_LEVEL).
    const level = world.rt.logger.getLevelName();
    world.rt.logger.setLogLevel('DEBUG');
    // And the whole API Gateway event of every request, as POWERTOOLS_LOGGER_LOG_EVENT=true has an operator log it.
    const logEvents = vi.spyOn(world.rt.logger, 'getLogEvent').mockReturnValue(true);
    const { output } = await captureOutput(async () => {
      const signup = await signUp(world, 'logwatch');
      const callback = new URL(signup.run.callbackUrl);
      secrets.push(signup.started.code, signup.started.verifier, signup.run.arrival!.result!, signup.session, signup.check.json.user.providerInfo.oidc.accessToken);
      secrets.push(callback.searchParams.get('code')!, callback.searchParams.get('state')!.split('!')[1]!);
      secrets.push(...signup.run.browser.cookies.map((c) => c.value));

      const connected = await connect(world, signup.session, 'logwatch', 'oidc', { mode: 'poll' });
      const url = new URL(connected.run.callbackUrl);
      secrets.push(connected.started.code, connected.started.verifier, connected.started.userCode!, connected.check.json.accessToken);
      secrets.push(url.searchParams.get('code')!, url.searchParams.get('state')!.split('!')[1]!);
      secrets.push(...connected.run.browser.cookies.map((c) => c.value));

      // Refusals too: a replay, a wrong verifier, a wrong user code, a forged provider code.
      await connected.run.browser.request(url.toString());
      const wrongVerifier = createVerifier();
      secrets.push(wrongVerifier);
      await claim(world, connected.started, { verifier: wrongVerifier });
      const poll = await start(world, { flow: 'signup', mode: 'poll' });
      secrets.push(poll.code, poll.userCode!);
      const browser = world.browser();
      const page = await browser.request(poll.url);
      secrets.push(...browser.cookies.map((c) => c.value));
      await submitUserCode(browser, page, 'BBBB-CCCC');
      const pending = await pendingCallback();
      secrets.push(pending.started.code, pending.url.searchParams.get('code')!);
      pending.url.searchParams.set('code', 'forged-code-value-0123456789');
      secrets.push('forged-code-value-0123456789');
      await pending.browser.request(pending.url.toString());
    }).finally(() => {
      world.rt.logger.setLogLevel(level);
      logEvents.mockRestore();
    });
    expect(output).toContain('"handshake claimed"');
    // Events of every kind were logged: a callback with code and state, a claim body, a user-code form post.
    for (const route of ['GET /no-auth/provider-token/{provider}', 'PUT /no-auth/check-signup', 'POST /web/provider-auth/{provider}']) {
      expect(output, route).toContain(`"routeKey":"${route}"`);
    }
    for (const secret of secrets) expect(output, 'a secret reached the log').not.toContain(secret);
  });
});
