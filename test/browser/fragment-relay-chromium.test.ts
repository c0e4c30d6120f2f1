import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import type { BrowserContext, Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProvider, type DemoProvider } from '../../local/demo-provider';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { json, startFakeProvider, type FakeProvider } from '../providers/support/fake-provider';
import { cspViolations, launchChromium, screenshot, throughProvider, vsCode } from '../support/chromium';

/**
 * The fragment relay in a real browser: YouTrack's Hub (played by a loopback fake on the org host) hands the
 * token back in the URL fragment; Chromium must run the relay page's script under its hash-only CSP, post the
 * token with the binding cookie, and go on through the agent's loopback listener to the success page. A wrong
 * hash or a blocked post stops it here. YouTrack is connect-only (a fragment token proves nothing about who
 * obtained it), so the person first signs up with the demo provider, through the same agent and browser.
 */
const TOKEN = '1443459217131.0-0-0-0-0.YouTrack.chromium';
const STEP_MS = 20_000;

let stack: LocalStack;
let demo: DemoProvider;
let hub: FakeProvider;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;

/** A port the system has just given out and taken back: the demo provider must know the callback before the stack starts. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  hub = await startFakeProvider();
  // The Hub implicit grant: straight back to the redirect URI with the token and the state in the fragment.
  hub.on('GET', '/hub/api/rest/oauth2/auth', (request) => ({
    status: 302,
    headers: { location: `${request.query.redirect_uri}#${new URLSearchParams({ access_token: TOKEN, token_type: 'Bearer', expires_in: '3600', scope: 'YouTrack', state: request.query.state! })}` },
  }));
  hub.on('GET', '/api/users/me', (request) =>
    request.headers.authorization === `Bearer ${TOKEN}` ? json({ login: 'chromium.user', email: 'chromium@example.test', fullName: 'Chromium User', id: '1-7', $type: 'Me' }) : json({ error: 'Unauthorized' }, 401),
  );
  // The stack with two providers: the demo OpenID provider to sign up with, and YouTrack on the Hub's host to connect.
  const httpPort = await freePort();
  const clientSecret = randomBytes(24).toString('base64url');
  demo = await startDemoProvider({ clients: [{ clientId: 'handshake-relay', clientSecret, redirectUris: [`http://127.0.0.1:${httpPort}/no-auth/provider-token/demo`] }] });
  stack = await startLocalStack({
    httpPort,
    wsPort: 0,
    providers: {
      demo: { issuer: demo.issuer, clientId: 'handshake-relay', clientSecret },
      youtrack: { hosts: { [hub.origin]: { clientId: 'youtrack-chromium' } } },
    },
  });
  browser = await launchChromium('handshake-relay-');
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await demo?.close();
  await hub?.close();
}, 60_000);

describe('the fragment relay in headless Chromium', () => {
  it('runs under its CSP, posts the token with the binding cookie, and connects YouTrack to the signed-up account', { timeout: 90_000 }, async () => {
    const login = `relay-${randomBytes(4).toString('hex')}`;
    const callbackPath = `${stack.apiUrl}/no-auth/provider-token/youtrack`;
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const violations = cspViolations(page);
    const relays: Response[] = [];
    const posts: Request[] = [];
    /** The page's address when the relay posts: its script has dropped the fragment by then. */
    const addressAtPost: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (response.request().method() === 'GET' && `${url.origin}${url.pathname}` === callbackPath) relays.push(response);
    });
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === callbackPath) {
        posts.push(request);
        addressAtPost.push(page.url());
      }
    });
    const { client, opened } = vsCode(page, stack);
    try {
      // First the account: a sign-up with the demo provider, as the person would do it.
      const signingUp = client.signUp('demo');
      await opened(signingUp);
      await throughProvider(page, login);
      await page.waitForURL((landed) => landed.pathname === '/web/auth-complete/demo');
      const { user } = await signingUp;
      expect(user.email).toBe(`${login}@example.test`);

      // Then the connect: the Hub answers in the fragment, the relay page posts it back.
      const connecting = client.connect('youtrack', { host: hub.origin });
      const { url } = await opened(connecting);
      expect(url).toMatch(new RegExp(`^${stack.apiUrl}/web/provider-auth/youtrack\\?code=[\\w-]{43}$`));
      // A relay blocked by its own CSP stays on "Completing sign-in..." and says why on the console only: wait
      // for the success page or a violation, and report the violation first.
      const onSuccessPage = () => new URL(page.url()).pathname === '/web/auth-complete/youtrack';
      await expect.poll(() => onSuccessPage() || violations.length > 0, { timeout: STEP_MS }).toBe(true);
      expect(violations).toEqual([]);
      await page.waitForURL(onSuccessPage);
      expect(await page.textContent('h1')).toBe(`Connected YouTrack as @chromium.user to ${login}@example.test`);
      expect(await page.textContent('body')).toContain('VS Code can now use it.');
      await screenshot(page, 'relay-connect-success.png');

      // The Hub was asked for an implicit grant for our client, back to our callback.
      const authorize = hub.requests.find((request) => request.path === '/hub/api/rest/oauth2/auth')!;
      expect(authorize.query).toMatchObject({ client_id: 'youtrack-chromium', response_type: 'token', redirect_uri: callbackPath, state: expect.stringMatching(/^local!/) });

      // The relay page came with its hash-only script policy (which Chromium ran it under, without a violation: above).
      expect(relays).toHaveLength(1);
      const csp = (await relays[0]!.headerValue('content-security-policy'))!;
      expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*';/);
      expect(csp).toContain("form-action 'self'");

      // Its one post carried the fragment's fields, with the binding cookie the broker set before the Hub.
      expect(posts).toHaveLength(1);
      const fields = Object.fromEntries(new URLSearchParams(posts[0]!.postData() ?? ''));
      expect(Object.keys(fields).sort()).toEqual(['access_token', 'expires_in', 'scope', 'state', 'token_type']);
      expect(fields.access_token).toBe(TOKEN);
      const binding = (await context.cookies()).find((cookie) => cookie.name.startsWith('hs_bind_') && cookie.path === '/no-auth/provider-token/youtrack');
      expect(binding).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(await posts[0]!.headerValue('cookie')).toContain(`${binding!.name}=${binding!.value}`);
      // The token never sat in a URL a server or the history keeps: the relay removed it from the address bar
      // before posting (the address at the post is the bare callback), and the page's address now does not show it either.
      expect(addressAtPost).toEqual([callbackPath]);
      expect(page.url()).not.toContain(TOKEN);

      // The agent's claim answers the stored token and the YouTrack account it belongs to.
      expect(await connecting).toMatchObject({ provider: 'youtrack', host: hub.origin, accessToken: TOKEN, data: { username: 'chromium.user', email: 'chromium@example.test' } });
      expect(hub.requests.filter((request) => request.path === '/api/users/me').map((request) => request.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
    } finally {
      client.close();
      await page.close();
    }
  });
});
