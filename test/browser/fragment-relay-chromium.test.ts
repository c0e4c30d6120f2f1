import { randomBytes } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { launchChromium } from '../support/chromium';
import { json, startFakeProvider, type FakeProvider } from '../providers/support/fake-provider';

/**
 * The fragment relay in a real browser: YouTrack's Hub (played by a loopback fake on the org host) hands the
 * token back in the URL fragment; Chromium must run the relay page's script under its hash-only CSP, post the
 * token with the binding cookie, and land on the success page. A wrong hash or a blocked post stops it here.
 */
const TOKEN = '1443459217131.0-0-0-0-0.YouTrack.chromium';

let stack: LocalStack;
let hub: FakeProvider;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;

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
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, providers: { youtrack: { hosts: { [hub.origin]: { clientId: 'youtrack-chromium' } } } } });
  browser = await launchChromium('handshake-relay-');
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await hub?.close();
}, 60_000);

describe('the fragment relay in headless Chromium', () => {
  it('runs under its CSP, posts the token with the binding cookie, and completes the sign-up', { timeout: 60_000 }, async () => {
    const signupToken = randomBytes(32).toString('base64url');
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const posts: Array<{ url: string; body: string; cookie: string }> = [];
    page.on('request', async (request) => {
      if (request.method() === 'POST') posts.push({ url: request.url(), body: request.postData() ?? '', cookie: (await request.headerValue('cookie')) ?? '' });
    });
    try {
      await page.goto(`${stack.apiUrl}/web/provider-auth/youtrack?signupToken=${signupToken}&host=${encodeURIComponent(hub.origin)}`);
      await page.waitForURL(`${stack.apiUrl}/web/auth-complete/youtrack`);
      expect(await page.textContent('h1')).toBe('You are connected to YouTrack');
      expect(violations).toEqual([]);

      expect(posts).toHaveLength(1);
      expect(posts[0]!.url).toBe(`${stack.apiUrl}/no-auth/provider-token/youtrack`);
      const fields = Object.fromEntries(new URLSearchParams(posts[0]!.body));
      expect(Object.keys(fields).sort()).toEqual(['access_token', 'expires_in', 'scope', 'state', 'token_type']);
      expect(fields.access_token).toBe(TOKEN);
      expect(posts[0]!.cookie).toMatch(/hs_bind_[\w-]+=/);

      const check = await fetch(`${stack.apiUrl}/no-auth/check-signup`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: signupToken }) });
      expect(check.status).toBe(200);
      const body = (await check.json()) as Record<string, any>;
      expect(body).toMatchObject({ provider: 'youtrack', signupStatus: 'userCreated', user: { email: 'chromium@example.test', username: 'chromium.user' } });
      expect(Object.values(body.user.providerInfo.youtrack.hosts as Record<string, { accessToken: string }>)[0]!.accessToken).toBe(TOKEN);
    } finally {
      await page.close();
    }
  });
});
