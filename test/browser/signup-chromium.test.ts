import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandshakeClientError, LoopbackListener, challengeOf, createVerifier, type SignupOutcome } from '../../client/index';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { cspViolations, launchChromium, screenshot, throughProvider, vsCode } from '../support/chromium';
import { MeChannelListener } from '../../local/me-channel-listener';

/**
 * The sign-up flow in a real browser (Debian's `chromium`, driven by playwright-core) against the real local
 * stack, with the real agent client: cookie rules and CSP are where hand-driven HTTP tests lie. Chromium
 * decides on its own whether the binding cookie set on a 302 is kept through the provider's redirects and
 * form posts and sent back to the callback path, whether the SameSite=Strict CSRF cookie goes with the
 * confirmation form, and whether the confirmation page's CSP lets its form post and the redirect that follows.
 */
const STEP_MS = 20_000;
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

let stack: LocalStack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0 });
  browser = await launchChromium('handshake-chromium-');
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
}, 60_000);

const callbackPath = () => `${stack.apiUrl}/no-auth/provider-token/demo`;
const bindingCookies = async () => (await context.cookies()).filter((cookie) => cookie.name.startsWith('hs_bind_'));

/** A login name the demo provider has not seen: every sign-up here creates a user. */
const freshLogin = () => `grace-${randomBytes(4).toString('hex')}`;

/** A page in a browser with no provider session left from another test: the provider's login page comes first. */
async function freshPage(): Promise<Page> {
  await context.clearCookies();
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  return page;
}

/** The request that started a redirect chain. */
function firstOf(response: Response): Request {
  let request = response.request();
  while (request.redirectedFrom()) request = request.redirectedFrom()!;
  return request;
}

/** A user code in the right alphabet and shape that is not `userCode` (each letter moved on by `shift`, 1–19). */
function wrongCode(userCode: string, shift = 1): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';
  return userCode.replace(/[A-Z]/g, (c) => alphabet[(alphabet.indexOf(c) + shift) % alphabet.length]!);
}

async function typeUserCode(page: Page, userCode: string): Promise<void> {
  await page.fill('input[name="userCode"]', userCode);
  await page.click('button[type="submit"]');
}

async function api(method: string, path: string, body: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const pathOf = (url: string) => new URL(url).pathname;

describe('sign-up in headless Chromium through the demo provider, with the agent client', () => {
  it('signs up over loopback: the binding cookie rides the provider redirects to the callback, the agent listener sends the browser to the success page, and a reload shows it again', { timeout: 90_000 }, async () => {
    const login = freshLogin();
    const page = await freshPage();
    const callbacks: Request[] = [];
    const listenerVisits: Request[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.url().startsWith(`${callbackPath()}?`)) callbacks.push(request);
      else if (url.hostname === '127.0.0.1' && url.origin !== stack.apiUrl && url.pathname.startsWith('/handshake/')) listenerVisits.push(request);
    });
    const { client, opened } = vsCode(page, stack, { pollIntervalMs: 200 });
    try {
      const signingUp = client.signUp('demo');
      const { url, navigation } = await opened(signingUp);
      expect(url).toMatch(new RegExp(`^${stack.apiUrl}/web/provider-auth/demo\\?code=[\\w-]{43}$`));

      // The broker's answer to the agent's URL: a 302 to the provider that sets the binding cookie.
      const loginPage = (await navigation)!;
      const visit = firstOf(loginPage);
      expect(visit.url()).toBe(url);
      const toProvider = (await visit.response())!;
      expect(toProvider.status()).toBe(302);
      expect(new URL((await toProvider.headerValue('location'))!).origin).toBe(stack.demo!.issuer);
      expect(await toProvider.headerValue('set-cookie')).toMatch(/^hs_bind_[\w-]+=[\w-]{20,}; Path=\/no-auth\/provider-token\/demo; Max-Age=\d+; HttpOnly; SameSite=Lax$/);

      // On the provider's login page, Chromium holds it: one cookie, scoped to the callback path.
      await page.waitForSelector('input[name="login"]');
      expect(new URL(page.url()).origin).toBe(stack.demo!.issuer);
      const [binding, ...others] = await bindingCookies();
      expect(others).toEqual([]);
      expect(binding).toMatchObject({ domain: '127.0.0.1', path: '/no-auth/provider-token/demo', httpOnly: true, sameSite: 'Lax', secure: false });

      await throughProvider(page, login);
      await page.waitForURL((landed) => landed.pathname === '/web/auth-complete/demo');
      expect(await page.textContent('h1')).toBe(`Signed in to VS Code with Demo provider as @${login}`);
      expect(await page.textContent('body')).toContain('You can close this window and return to VS Code.');
      await screenshot(page, 'loopback-success.png');

      // Chromium sent the cookie it was given two origins and several redirects earlier...
      expect(callbacks).toHaveLength(1);
      expect(await callbacks[0]!.headerValue('cookie')).toContain(`${binding!.name}=${binding!.value}`);
      // ...then went to the agent's listener on 127.0.0.1 with the outcome, and was sent on to the success page.
      expect(listenerVisits).toHaveLength(1);
      const arrival = new URL(listenerVisits[0]!.url());
      expect([...arrival.searchParams.keys()].sort()).toEqual(['code', 'complete', 'result']);
      expect(arrival.searchParams.get('code')).toBe(new URL(url).searchParams.get('code'));
      expect(arrival.searchParams.get('complete')).toBe(page.url());

      const outcome: SignupOutcome = await signingUp;
      expect(outcome).toMatchObject({
        signupStatus: 'userCreated',
        sessionToken: expect.any(String),
        user: { email: `${login}@example.test`, username: login },
        connection: { provider: 'demo', accessToken: expect.any(String) },
      });
      expect(client.sessionToken).toBe(outcome.sessionToken);
      expect((await MeChannelListener.of(client)).open).toBe(true); // the me-channel's $connect accepts the new session

      // The callback kept the binding: reloading it in the same browser shows the success page again.
      expect(await bindingCookies()).toEqual([binding]);
      await page.goto(callbacks[0]!.url());
      expect(pathOf(page.url())).toBe('/web/auth-complete/demo');
      expect(await page.textContent('h1')).toBe(`Signed in to VS Code with Demo provider as @${login}`);
      expect(listenerVisits).toHaveLength(1); // the agent is not told twice
    } finally {
      client.close();
      await page.close();
    }
  });

  it('signs up in poll mode: the confirmation page names the app, a wrong code is refused with the attempts left, the right one goes on to the provider', { timeout: 90_000 }, async () => {
    const login = freshLogin();
    const page = await freshPage();
    const violations = cspViolations(page);
    const posts: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${stack.apiUrl}/web/provider-auth/demo`) posts.push(request);
    });
    const { client, opened } = vsCode(page, stack, { pollIntervalMs: 200 });
    let shown: { userCode: string; url: string } | undefined;
    try {
      const signingUp = client.signUp('demo', { mode: 'poll', onUserCode: (userCode, url) => void (shown = { userCode, url }) });
      const { url, navigation } = await opened(signingUp);
      expect(shown).toEqual({ userCode: expect.stringMatching(USER_CODE), url });

      const confirmation = (await navigation)!;
      expect(confirmation.status()).toBe(200);
      expect(confirmation.url()).toBe(url);
      expect(await confirmation.headerValue('content-security-policy')).toContain("form-action 'self'");
      expect(await page.textContent('h1')).toBe('Sign in to VS Code with Demo provider?');
      expect(await page.textContent('body')).toContain('VS Code asked to sign you in with your Demo provider account.');
      await screenshot(page, 'poll-confirmation.png');

      const csrf = (await context.cookies()).filter((cookie) => cookie.name === 'hs_csrf');
      expect(csrf).toEqual([expect.objectContaining({ domain: '127.0.0.1', path: '/web/provider-auth/demo', httpOnly: true, sameSite: 'Strict', secure: false })]);

      await typeUserCode(page, wrongCode(shown!.userCode));
      await page.waitForSelector('[role="alert"]');
      expect(await page.textContent('[role="alert"]')).toBe('That code does not match the one shown in your IDE. 4 attempts left.');
      expect(await page.textContent('h1')).toBe('Sign in to VS Code with Demo provider?');
      expect(await bindingCookies()).toEqual([]); // nothing left for the provider yet
      await screenshot(page, 'poll-wrong-code.png');

      // The person types what the IDE shows; the form posts, and the 302 takes Chromium to the provider.
      await typeUserCode(page, shown!.userCode);
      await page.waitForSelector('input[name="login"]');
      expect(new URL(page.url()).origin).toBe(stack.demo!.issuer);
      expect(posts).toHaveLength(2);
      for (const post of posts) expect(await post.headerValue('cookie')).toContain(`hs_csrf=${csrf[0]!.value}`);
      const toProvider = (await posts[1]!.response())!;
      expect(toProvider.status()).toBe(302);
      expect(await toProvider.headerValue('set-cookie')).toMatch(/^hs_bind_[\w-]+=[\w-]{20,}; Path=\/no-auth\/provider-token\/demo; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
      expect(await bindingCookies()).toHaveLength(1);

      await throughProvider(page, login);
      await page.waitForURL((landed) => landed.pathname === '/web/auth-complete/demo');
      expect(await page.textContent('h1')).toBe(`Signed in to VS Code with Demo provider as @${login}`);
      await screenshot(page, 'poll-success.png');

      // Chromium kept the CSRF cookie as it was set, and reported no CSP violation on the way.
      expect((await context.cookies()).find((cookie) => cookie.name === 'hs_csrf')).toMatchObject({ value: csrf[0]!.value, sameSite: 'Strict', httpOnly: true });
      expect(violations).toEqual([]);

      expect(await signingUp).toMatchObject({ signupStatus: 'userCreated', user: { email: `${login}@example.test` }, sessionToken: expect.any(String) });
    } finally {
      client.close();
      await page.close();
    }
  });
});

describe('error pages in headless Chromium', () => {
  it('refuses the callback in a browser without the cookie (error page AUTH-1007) without spending the handshake', { timeout: 90_000 }, async () => {
    const login = freshLogin();
    const page = await freshPage();
    // The agent's side, step by step, with the client's own listener and verifier: the claim in between shows
    // the handshake still pending after the refusal.
    const listener = await LoopbackListener.open(stack.apiUrl);
    const verifier = createVerifier();
    // Hold the provider's redirect back: its URL is what an attacker would lure another browser to. Playwright's
    // routes never see redirect hops, so this asks Chromium itself (CDP Fetch) to pause the callback request.
    const cdp = await context.newCDPSession(page);
    const held = new Promise<string>((resolve) => {
      cdp.on('Fetch.requestPaused', (event) => {
        resolve(event.request.url);
        void cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' }).catch(() => undefined);
      });
    });
    // CDP patterns take `*` and `?` as wildcards: the query's `?` is escaped.
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${callbackPath()}\\?*`, requestStage: 'Request' }] });
    const stranger = await context.browser()!.newContext(); // an empty profile: a browser that never started this
    try {
      const started = await api('POST', '/provider-auth-code', {
        provider: 'demo',
        flow: 'signup',
        challenge: challengeOf(verifier),
        challengeMethod: 'S256',
        redirectUri: listener.redirectUri,
        client: { name: 'VS Code' },
      });
      expect(started.status).toBe(200);
      const { code, url } = started.body as { code: string; url: string };
      await page.goto(url);
      await throughProvider(page, login);
      const callbackUrl = await held;
      await cdp.send('Fetch.disable');

      const strangerPage = await stranger.newPage();
      strangerPage.setDefaultTimeout(STEP_MS);
      await strangerPage.goto(callbackUrl);
      const landed = new URL(strangerPage.url());
      expect(`${landed.origin}${landed.pathname}`).toBe(`${stack.apiUrl}/web/error`);
      expect(Object.fromEntries(landed.searchParams)).toEqual({ code: 'AUTH-1007', provider: 'demo' });
      expect(await strangerPage.textContent('h1')).toBe('Sign-in with Demo provider failed');
      expect(await strangerPage.textContent('body')).toContain('This sign-in was started in another browser.');
      expect(await strangerPage.textContent('body')).toContain('Finish it in the browser your IDE opened, or start again from your IDE.');
      expect(await strangerPage.textContent('code')).toBe('AUTH-1007');
      await screenshot(strangerPage, 'error-AUTH-1007.png');
      // Still at the provider for the agent: the refusal neither failed nor spent the handshake.
      expect(await api('PUT', '/no-auth/check-signup', { code, verifier })).toMatchObject({ status: 403, body: { code: 'AUTH-1006', info: { status: 'at-provider' } } });

      // The browser that started it still holds its cookie, and completes: to the agent's listener, then the success page.
      expect(await bindingCookies()).toHaveLength(1);
      await page.goto(callbackUrl);
      expect(pathOf(page.url())).toBe('/web/auth-complete/demo');
      expect(await page.textContent('h1')).toBe(`Signed in to VS Code with Demo provider as @${login}`);
      const arrival = await listener.arrival(code, AbortSignal.timeout(STEP_MS));
      expect(arrival).toMatchObject({ code, result: expect.stringMatching(/^[\w-]{43}$/) });
      expect(arrival.error).toBeUndefined();
      const claimed = await api('PUT', '/no-auth/check-signup', { code, verifier, result: arrival.result });
      expect(claimed).toMatchObject({ status: 200, body: { signupStatus: 'userCreated', provider: 'demo', user: { email: `${login}@example.test` } } });
    } finally {
      await cdp.detach().catch(() => undefined);
      await stranger.close();
      await listener.close();
      await page.close();
    }
  });

  it('stops the handshake after 5 wrong user codes: the error page AUTH-1010 in the browser, AUTH-1010 for the agent', { timeout: 90_000 }, async () => {
    const page = await freshPage();
    const { client, opened } = vsCode(page, stack, { pollIntervalMs: 200 });
    let userCode = '';
    try {
      const signingUp = client.signUp('demo', { mode: 'poll', onUserCode: (shown) => void (userCode = shown) });
      const failure = signingUp.catch((err: unknown) => err);
      const { url, navigation } = await opened(signingUp);
      await navigation;
      expect(await page.textContent('h1')).toBe('Sign in to VS Code with Demo provider?');

      for (let attempt = 1; attempt <= 4; attempt++) {
        await typeUserCode(page, wrongCode(userCode, attempt));
        await page.waitForSelector('[role="alert"]');
        const left = 5 - attempt;
        expect(await page.textContent('[role="alert"]')).toBe(`That code does not match the one shown in your IDE. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`);
      }
      await typeUserCode(page, wrongCode(userCode, 5));
      await page.waitForURL((landed) => landed.pathname === '/web/error');
      expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ code: 'AUTH-1010', provider: 'demo' });
      expect(await page.textContent('h1')).toBe('Sign-in with Demo provider failed');
      expect(await page.textContent('body')).toContain('Too many wrong codes were entered, so this sign-in was stopped.');
      expect(await page.textContent('body')).toContain('If you did not, someone may have sent you this link: close this page.');
      expect(await page.textContent('code')).toBe('AUTH-1010');
      expect(await bindingCookies()).toEqual([]); // it never left for the provider
      await screenshot(page, 'error-AUTH-1010.png');

      // The agent's claim answers AUTH-1010, and the link is dead.
      const err = await failure;
      expect(err).toBeInstanceOf(HandshakeClientError);
      expect(err).toMatchObject({ code: 'AUTH-1010' });
      await page.goto(url);
      expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ code: 'AUTH-1010', provider: 'demo' });
    } finally {
      client.close();
      await page.close();
    }
  });
});
