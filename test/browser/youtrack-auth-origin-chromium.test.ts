import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startAuthOrigin } from '../../local/auth-origin';
import { startDemoProvider, type DemoProvider } from '../../local/demo-provider';
import { localDocumentClient } from '../../local/dynamodb';
import { json, startFakeProvider, type FakeProvider } from '../providers/support/fake-provider';
import { cspViolations, launchChromium, throughProvider, vsCode } from '../support/chromium';
import { spawnEnvironment, type ReadyEnvironment } from '../support/processes';
import { tokensInItems } from '../support/table-tokens';

/**
 * YouTrack behind a shared auth origin, in Chromium. Hub's implicit grant puts the state in the URL fragment,
 * which the router never receives: the auth origin answers a hop page that moves the state, and only the
 * state, into the query; the router sends the browser on to the environment the state names, the fragment
 * carried along by the browser; that environment's own relay page posts the token to it. Two environments
 * share the auth origin and the registry: the token must reach the one that started the handshake, and no
 * server but it.
 */
const TOKEN = '1443459217131.0-0-0-0-0.YouTrack.auth-origin';
const STEP_MS = 20_000;

let dir: string;
let origin: Awaited<ReturnType<typeof startAuthOrigin>>;
let demo: DemoProvider;
let hub: FakeProvider;
let envA: ReadyEnvironment;
let envB: ReadyEnvironment;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'handshake-youtrack-origin-'));
  const registryDir = join(dir, 'registry');
  origin = await startAuthOrigin({ port: 0, registryDir });
  hub = await startFakeProvider();
  hub.on('GET', '/hub/api/rest/oauth2/auth', (request) => ({
    status: 302,
    headers: { location: `${request.query.redirect_uri}#${new URLSearchParams({ access_token: TOKEN, token_type: 'Bearer', expires_in: '3600', scope: 'YouTrack', state: request.query.state! })}` },
  }));
  hub.on('GET', '/api/users/me', (request) =>
    request.headers.authorization === `Bearer ${TOKEN}` ? json({ login: 'origin.user', email: 'origin@example.test', fullName: 'Origin User', id: '1-9', $type: 'Me' }) : json({ error: 'Unauthorized' }, 401),
  );
  const clientSecret = randomBytes(24).toString('base64url');
  demo = await startDemoProvider({ clients: [{ clientId: 'shared-demo', clientSecret, redirectUris: [`${origin.url}/no-auth/provider-token/demo`] }] });
  const providers = JSON.stringify({ demo: { issuer: demo.issuer, clientId: 'shared-demo', clientSecret }, youtrack: { hosts: { [hub.origin]: { clientId: 'youtrack-shared' } } } });
  const common = { HANDSHAKE_CALLBACK_BASE_URL: origin.url, HANDSHAKE_REGISTRY_DIR: registryDir, HANDSHAKE_PROVIDERS_CONFIG: providers, POWERTOOLS_LOG_LEVEL: 'WARN' };
  [envA, envB] = await Promise.all([
    spawnEnvironment({ ...common, HANDSHAKE_ENVIRONMENT: 'env-a', HANDSHAKE_DATA_DIR: join(dir, 'a') }),
    spawnEnvironment({ ...common, HANDSHAKE_ENVIRONMENT: 'env-b', HANDSHAKE_DATA_DIR: join(dir, 'b') }),
  ]);
  browser = await launchChromium('handshake-youtrack-origin-');
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([envA?.stop(), envB?.stop()]);
  await demo?.close();
  await hub?.close();
  await origin?.close();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

async function tokenItems(env: ReadyEnvironment) {
  const db = localDocumentClient(env.dynamodb);
  try {
    const { Items = [] } = await db.send(new ScanCommand({ TableName: env.table }));
    return tokensInItems(Items, { prefix: 'TOKEN#youtrack#' });
  } finally {
    db.destroy();
  }
}

describe('YouTrack behind the auth origin, in headless Chromium', () => {
  it('hops the state (never the token) through the auth origin to the environment that started the handshake', { timeout: 120_000 }, async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const violations = cspViolations(page);
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    const { client, opened } = vsCode(page, envB);
    try {
      const login = `hop-${randomBytes(4).toString('hex')}`;
      const signingUp = client.signUp('demo');
      await opened(signingUp);
      await throughProvider(page, login);
      await signingUp;

      const connecting = client.connect('youtrack', { host: hub.origin });
      await opened(connecting);
      await expect.poll(() => new URL(page.url()).pathname === '/web/auth-complete/youtrack' || violations.length > 0, { timeout: STEP_MS }).toBe(true);
      expect(violations).toEqual([]);
      expect(await page.textContent('h1')).toBe(`Connected YouTrack as @origin.user to ${login}@example.test`);
      expect(await connecting).toMatchObject({ provider: 'youtrack', accessToken: TOKEN, data: { username: 'origin.user' } });

      // The route the browser took: the auth origin's bare callback (the hop page), again with the state in the
      // query, then env-b's callback (its relay page) and env-b's POST. Nothing the auth origin received held the token.
      const callbackPath = '/no-auth/provider-token/youtrack';
      const atOrigin = requests.filter((r) => r.url().startsWith(`${origin.url}${callbackPath}`));
      expect(atOrigin.map((r) => new URL(r.url()).search.replace(/state=[^&]+/, 'state=…'))).toEqual(['', '?state=…']);
      for (const request of atOrigin) {
        expect(request.url()).not.toContain(TOKEN);
        expect(request.postData() ?? '').not.toContain(TOKEN);
        expect(JSON.stringify(await request.allHeaders())).not.toContain(TOKEN);
      }
      expect(new URL(atOrigin[1]!.url()).searchParams.get('state')).toMatch(/^env-b!/);
      const posts = requests.filter((r) => r.method() === 'POST' && r.url().includes(callbackPath));
      expect(posts.map((r) => new URL(r.url()).origin)).toEqual([new URL(envB.apiUrl).origin]);
      expect(posts[0]!.postData()).toContain(encodeURIComponent(TOKEN).replace(/%20/g, '+'));

      // Stored where it was started, and nowhere else.
      expect(await tokenItems(envB)).toHaveLength(1);
      expect(await tokenItems(envA)).toHaveLength(0);
    } finally {
      client.close();
      await page.close();
    }
  });

  it('a YouTrack callback whose fragment holds no state ends on the auth origin’s own error page (ENV-1001)', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    try {
      await page.goto(`${origin.url}/no-auth/provider-token/youtrack#access_token=${TOKEN}`);
      await page.waitForURL((url) => url.pathname === '/web/error');
      expect(new URL(page.url()).origin).toBe(origin.url);
      expect(new URL(page.url()).searchParams.get('code')).toBe('ENV-1001');
      expect(page.url()).not.toContain(TOKEN);
      // Any refusal of the router: a Location without a fragment would inherit the token's.
      await page.goto(`${origin.url}/no-auth/provider-token/trello?state=${encodeURIComponent('env-nosuch!x')}#token=${TOKEN}`);
      await page.waitForURL((url) => url.pathname === '/web/error');
      expect(new URL(page.url()).searchParams.get('code')).toBe('ENV-1001');
      expect(page.url()).not.toContain(TOKEN);
    } finally {
      await page.close();
    }
  });
});
