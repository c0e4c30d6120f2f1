import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandshakeClient, type LiveMe, type MeUser } from '../../client/index';
import { authorizeAtProvider, Browser } from '../../local/scripted-browser';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { demoAgent } from '../support/agents';
import { getRuntime } from '../../shared/runtime';

/**
 * The agent never stranded: whatever happens to its socket, the client's live copy of the user
 * (`client.live()`) ends with every token stored. Real parts: the local stack (dynalite, the real handlers,
 * the WebSocket gateway emulating API Gateway's idle close and 2-hour cap in milliseconds), the real client
 * on `ws` sockets, the demo provider's pages over HTTP.
 */
const FAST = { heartbeatMs: 200, pongTimeoutMs: 300, backoff: { baseMs: 100, capMs: 400 } };
const scenarios: string[] = [];

const agent = (stack: LocalStack, login: string) => demoAgent(stack, login);

const tokenOf = (user: MeUser | undefined, provider: string) => user?.providerInfo[provider]?.accessToken as string | undefined;
const until = (live: LiveMe, provider: string, token: string) => live.waitFor((user) => tokenOf(user, provider) === token, AbortSignal.timeout(10_000));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The gateway's connection id of the socket that opened during `run`. */
async function newConnection(stack: LocalStack, run: () => Promise<unknown>): Promise<string> {
  const before = new Set(stack.ws.connectionIds());
  await run();
  const id = stack.ws.connectionIds().find((c) => !before.has(c));
  if (!id) throw new Error('no new connection');
  return id;
}

afterAll(() => {
  console.log(`me-channel scenarios (each: the client ends with the token stored):\n${scenarios.map((s) => `  ${s}`).join('\n')}`);
});

describe('GET /me and versions', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0 });
  });
  afterAll(() => stack.close());

  it('answers the me-object and a version that every change of the tokens raises by one, carried on each message', async () => {
    const ada = agent(stack, 'ada-me');
    const up = await ada.signUp('demo');
    const bearer = { authorization: `Bearer ${up.sessionToken}` };
    const me = async () => (await (await fetch(`${stack.apiUrl}/me`, { headers: bearer })).json()) as { version: number; user: MeUser };
    const first = await me();
    expect(first).toMatchObject({ version: 1, user: { id: up.user.id, providerInfo: { demo: { accessToken: up.connection.accessToken } } } });

    const live = await ada.live({ ...FAST, heartbeatMs: 0 });
    expect(live.version).toBe(1);
    const connection = await ada.connect('oidc');
    await until(live, 'oidc', connection.accessToken);
    expect(live.version).toBe(2);
    await fetch(`${stack.apiUrl}/provider-deauth/oidc`, { method: 'PUT', headers: bearer });
    await live.waitFor((user) => !user.providerInfo.oidc, AbortSignal.timeout(5_000));
    expect(live.version).toBe(3);
    const last = await me();
    expect(last.version).toBe(3);
    expect(live.user).toEqual(last.user);
    // Every change came as a message in order: no gap, no read beyond the first.
    expect(live.stats).toMatchObject({ reads: 1, gaps: 0, applied: 2 });

    expect((await fetch(`${stack.apiUrl}/me`)).status).toBe(401);
    expect(await (await fetch(`${stack.apiUrl}/me`, { headers: { authorization: 'Bearer nope' } })).json()).toMatchObject({ code: 'AUTH-1001' });
    ada.close();
  });

  it('a change whose message never came (its publish failed) is a gap: the next message makes the client read GET /me', async () => {
    const bea = agent(stack, 'bea-me');
    const up = await bea.signUp('demo');
    const live = await bea.live({ ...FAST, heartbeatMs: 0 });
    // A change stored and numbered, but never published: what a failed publish Query leaves.
    const rt = await getRuntime();
    await rt.tokens.put(up.user.id, 'oidc', undefined, { accessToken: 'unpublished-oidc-token', data: {} });
    await sleep(200);
    expect(tokenOf(live.user, 'oidc')).toBeUndefined();
    const connection = await bea.connect('demo');
    await until(live, 'demo', connection.accessToken);
    expect(tokenOf(live.user, 'oidc')).toBe('unpublished-oidc-token');
    expect(live.stats.gaps).toBe(1);
    expect(live.stats.reads).toBe(2);
    scenarios.push(`lost message (version gap): ${JSON.stringify(live.stats)}`);
    bea.close();
  });

  it('a poll-mode sign-up keeps claiming through 503, 429 and a network error on the way to the broker', async () => {
    const faults = ['503', '429', 'network'];
    const injected: string[] = [];
    const browser = new Browser();
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/no-auth/check-signup') && faults.length) {
        const fault = faults.shift()!;
        injected.push(fault);
        if (fault === 'network') throw new TypeError('fetch failed');
        return new Response(JSON.stringify({ message: 'Service Unavailable' }), { status: Number(fault), headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    let userCode = '';
    const client = new HandshakeClient({
      apiUrl: stack.apiUrl,
      wsUrl: stack.wsUrl,
      pollIntervalMs: 50,
      timeoutMs: 20_000,
      fetch: flaky,
      openBrowser: async (url) => {
        const callback = await authorizeAtProvider(browser, url, `${stack.apiUrl}/no-auth/provider-token/`, 'flo-me', { userCode });
        await browser.follow(callback);
      },
    });
    const up = await client.signUp('demo', { mode: 'poll', onUserCode: (code) => void (userCode = code) });
    expect(up.signupStatus).toBe('userCreated');
    expect(injected).toEqual(['503', '429', 'network']);
    scenarios.push(`poll sign-up through ${injected.join(', ')} on the claim: ${up.signupStatus}`);
  });

  it('ends when the session is signed out elsewhere, without retrying for ever', async () => {
    const cid = agent(stack, 'cid-me');
    const up = await cid.signUp('demo');
    const live = await cid.live(FAST);
    const other = agent(stack, 'cid-me');
    other.sessionToken = up.sessionToken;
    await other.signOutEverywhere();
    await expect.poll(() => live.ended, { timeout: 5_000 }).toBe('signed-out');
    const opens = live.stats.opens;
    await sleep(600);
    expect(live.stats.opens).toBe(opens);
    scenarios.push(`signed out elsewhere: ended "${live.ended}" after ${live.stats.closes} close(s), no reconnect`);
  });
});

describe('the me-channel recovers from every way a socket ends', () => {
  let stack: LocalStack;
  let clients: HandshakeClient[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0, wsIdleTimeoutMs: 800, wsMaxConnectionMs: 2_500 });
  });
  afterEach(() => {
    for (const client of clients) client.close();
    clients = [];
  });
  afterAll(() => stack.close());

  /** A user with a live copy, and a second window of the same user that makes the changes. */
  async function pair(login: string, options: Parameters<HandshakeClient['live']>[0] = FAST) {
    const ide = agent(stack, login);
    const window = agent(stack, login);
    clients.push(ide, window);
    const up = await ide.signUp('demo');
    await window.signUp('demo');
    let live!: LiveMe;
    const connectionId = await newConnection(stack, async () => (live = await ide.live(options)));
    return { ide, window, live, connectionId, up };
  }

  /** A change made while the socket is down: the other window connects a provider. */
  async function changeMeanwhile(window: HandshakeClient) {
    return (await window.connect('oidc')).accessToken;
  }

  it('socket closed by the gateway (DeleteConnection): reconnects and reads what it missed', async () => {
    const { window, live, connectionId } = await pair('dora-live', { ...FAST, backoff: { baseMs: 1_500, capMs: 1_500 }, random: () => 1 });
    await fetch(`${stack.ws.managementUrl}/@connections/${encodeURIComponent(connectionId)}`, { method: 'DELETE' });
    const token = await changeMeanwhile(window);
    await until(live, 'oidc', token);
    expect(live.stats.opens).toBe(2);
    scenarios.push(`closed by the gateway: ${JSON.stringify(live.stats)}`);
  });

  it('TCP cut (no close frame, no $disconnect): reconnects; the publish meets the old connection gone (410)', async () => {
    const { window, live, connectionId } = await pair('emil-live', { ...FAST, backoff: { baseMs: 1_500, capMs: 1_500 }, random: () => 1 });
    stack.ws.vanish(connectionId);
    const token = await changeMeanwhile(window);
    await until(live, 'oidc', token);
    expect(live.stats.opens).toBe(2);
    scenarios.push(`TCP cut: ${JSON.stringify(live.stats)}`);
  });

  it('half-open (the gateway keeps the connection, nothing gets through): the unanswered ping drops it', async () => {
    const { window, live, connectionId } = await pair('fynn-live');
    stack.ws.silence(connectionId);
    const token = await changeMeanwhile(window); // "delivered" to the silenced connection, never received
    await until(live, 'oidc', token);
    expect(live.stats.opens).toBeGreaterThanOrEqual(2);
    scenarios.push(`half-open: ${JSON.stringify(live.stats)}`);
  });

  it('idle timeout: without a heartbeat the gateway closes the socket and the client comes back; with one it stays', async () => {
    const quiet = await pair('gus-live', { ...FAST, heartbeatMs: 0 });
    await expect.poll(() => quiet.live.stats.closes, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    const token = await changeMeanwhile(quiet.window);
    await until(quiet.live, 'oidc', token);
    scenarios.push(`idle close (no heartbeat): ${JSON.stringify(quiet.live.stats)}`);

    const beating = await pair('hal-live', { ...FAST, heartbeatMs: 300 });
    await sleep(1_800); // over twice the idle limit, under the cap
    expect(beating.live.stats).toMatchObject({ opens: 1, closes: 0 });
    expect(stack.ws.connectionIds()).toContain(beating.connectionId);
    scenarios.push(`idle limit 800 ms, heartbeat 300 ms: still open after 1,800 ms, ${JSON.stringify(beating.live.stats)}`);
  });

  it('2-hour cap: renewed before it (new socket first, no close seen); without renewal the cap closes it and the client comes back', async () => {
    const renewing = await pair('ira-live', { ...FAST, renewAfterMs: 1_500 });
    await sleep(3_200);
    expect(renewing.live.stats.closes).toBe(0);
    expect(renewing.live.stats.opens).toBeGreaterThanOrEqual(3);
    const token = await changeMeanwhile(renewing.window);
    await until(renewing.live, 'oidc', token);
    scenarios.push(`cap 2,500 ms, renewal at 1,500 ms: ${JSON.stringify(renewing.live.stats)}`);

    const capped = await pair('jon-live', { ...FAST, renewAfterMs: 60_000 });
    await expect.poll(() => capped.live.stats.closes, { timeout: 6_000 }).toBeGreaterThanOrEqual(1);
    const later = await changeMeanwhile(capped.window);
    await until(capped.live, 'oidc', later);
    scenarios.push(`cap 2,500 ms, no renewal: ${JSON.stringify(capped.live.stats)}`);
  });
});
