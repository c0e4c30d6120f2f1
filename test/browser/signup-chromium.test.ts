import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { launchChromium } from '../support/chromium';

/**
 * The sign-up flow in a real browser (Debian's `chromium`, driven by playwright-core): cookie rules are where
 * hand-driven HTTP tests lie. Chromium decides on its own whether the binding cookie set on a 302 is kept
 * through the provider's redirects and form posts, and sent back to the callback path.
 */
const RESULTS = resolve(fileURLToPath(import.meta.url), '../../../test-results');
const STEP_MS = 20_000;

let stack: LocalStack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  await mkdir(RESULTS, { recursive: true });
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0 });
  browser = await launchChromium('handshake-chromium-');
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
}, 60_000);

const bindingCookies = async () => (await context.cookies()).filter((cookie) => cookie.name.startsWith('hs_bind_'));

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(RESULTS, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

/** A random sign-up token and a login name the demo provider has not seen. */
const fresh = () => ({ signupToken: randomBytes(32).toString('base64url'), login: `grace-${randomBytes(4).toString('hex')}` });

/** Fills the demo provider's login page, then its consent page, as a person would; the last click leaves for the callback. */
async function throughProvider(page: Page, login: string): Promise<void> {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  await page.click('button[type="submit"]');
}

async function checkSignup(signupToken: string) {
  const response = await fetch(`${stack.apiUrl}/no-auth/check-signup`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: signupToken }) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('sign-up in headless Chromium through the demo provider', () => {
  it('keeps the binding cookie through the provider redirects, sends it to the callback, and clears it on success', { timeout: 60_000 }, async () => {
    const { signupToken, login } = fresh();
    await context.clearCookies(); // no provider session left from another test: its login page comes first
    const callbackPath = `${stack.apiUrl}/no-auth/provider-token/demo`;
    const callbacks: Request[] = [];
    const onRequest = (request: Request) => {
      if (request.url().startsWith(`${callbackPath}?`)) callbacks.push(request);
    };
    context.on('request', onRequest);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    try {
      await page.goto(`${stack.apiUrl}/web/provider-auth/demo?signupToken=${signupToken}`);

      // On the provider's login page: the broker's 302 set the binding cookie, scoped to the callback path.
      await page.waitForSelector('input[name="login"]');
      expect(new URL(page.url()).origin).toBe(stack.demo!.issuer);
      const [binding, ...others] = await bindingCookies();
      expect(others).toEqual([]);
      expect(binding).toMatchObject({ domain: '127.0.0.1', path: '/no-auth/provider-token/demo', httpOnly: true, sameSite: 'Lax', secure: false });
      expect(binding!.value).toMatch(/^[\w-]{20,}$/);

      await throughProvider(page, login);
      await page.waitForURL(`${stack.apiUrl}/web/auth-complete/demo`);
      await expect.poll(() => page.textContent('h1')).toBe('You are connected to Demo provider');
      expect(await page.textContent('body')).toContain('You can close this window and return to your IDE.');
      await screenshot(page, 'signup-chromium-success.png');

      // Chromium sent the cookie it was given two origins and several redirects earlier...
      expect(callbacks).toHaveLength(1);
      expect(await callbacks[0]!.headerValue('cookie')).toContain(`${binding!.name}=${binding!.value}`);
      // ...and the callback's answer removed it.
      expect(await bindingCookies()).toEqual([]);

      const check = await checkSignup(signupToken);
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({ signupStatus: 'userCreated', provider: 'demo', accessToken: expect.any(String), user: { email: `${login}@example.test` } });
      expect(check.body.user.providerInfo.demo.accessToken).toEqual(expect.any(String));
    } finally {
      context.off('request', onRequest);
      await page.close();
    }
  });

  it('refuses the callback in a browser without the cookie (error page AUTH-1007) without spending the handshake', { timeout: 60_000 }, async () => {
    const { signupToken, login } = fresh();
    await context.clearCookies(); // no provider session left from another test: its login page comes first
    const callbackPath = `${stack.apiUrl}/no-auth/provider-token/demo`;
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
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
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${callbackPath}\\?*`, requestStage: 'Request' }] });
    const stranger = await context.browser()!.newContext(); // an empty profile: a browser that never started this
    try {
      await page.goto(`${stack.apiUrl}/web/provider-auth/demo?signupToken=${signupToken}`);
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
      expect(await strangerPage.textContent('body')).toContain('This sign-in was started in another browser');
      expect(await strangerPage.textContent('code')).toBe('AUTH-1007');
      await screenshot(strangerPage, 'signup-chromium-error-AUTH-1007.png');
      expect((await checkSignup(signupToken)).body.code).toBe('AUTH-1006'); // still pending, not failed

      // The browser that started it still holds its cookie, and the state was not spent by the refusal.
      expect(await bindingCookies()).toHaveLength(1);
      await page.goto(callbackUrl);
      expect(page.url()).toBe(`${stack.apiUrl}/web/auth-complete/demo`);
      expect(await bindingCookies()).toEqual([]);
      expect(await checkSignup(signupToken)).toMatchObject({ status: 200, body: { signupStatus: 'userCreated' } });
    } finally {
      await cdp.detach().catch(() => undefined);
      await stranger.close();
      await page.close();
    }
  });
});
