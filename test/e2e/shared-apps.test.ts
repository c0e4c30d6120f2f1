import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { challengeOf, createVerifier } from '../../client/index';
import { startAuthOrigin } from '../../local/auth-origin';
import { startDemoProvider, type DemoProvider } from '../../local/demo-provider';
import { authorizeAtProvider, Browser } from '../../local/scripted-browser';
import { register } from '../../local/stack';
import { localDocumentClient } from '../../local/dynamodb';
import { spawnEnvironment, type ReadyEnvironment } from '../support/processes';
import { tokensInItems } from '../support/table-tokens';
import { demoAgent } from '../support/agents';
import { MeChannelListener } from '../../local/me-channel-listener';

const SLACK_SIGNING_SECRET = 'slack-signing-secret-for-tests';
let dir: string;
let origin: Awaited<ReturnType<typeof startAuthOrigin>>;
let provider: DemoProvider;
let envA: ReadyEnvironment;
let envB: ReadyEnvironment;
let echo: { server: Server; url: string; requests: { headers: IncomingMessage['headers']; body: Buffer }[]; delayMs: number; answered: number };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'handshake-shared-apps-'));
  const registryDir = join(dir, 'registry');
  origin = await startAuthOrigin({ port: 0, registryDir, actionTimeoutMs: 500 });
  // One OAuth app, one registered callback: the auth origin's.
  provider = await startDemoProvider({ clients: [{ clientId: 'shared-app', clientSecret: 'shared-secret', redirectUris: [`${origin.url}/no-auth/provider-token/oidc`] }] });
  const providers = JSON.stringify({ oidc: { issuer: provider.issuer, clientId: 'shared-app', clientSecret: 'shared-secret' }, slack: { signingSecret: SLACK_SIGNING_SECRET } });
  const common = { HANDSHAKE_CALLBACK_BASE_URL: origin.url, HANDSHAKE_REGISTRY_DIR: registryDir, HANDSHAKE_PROVIDERS_CONFIG: providers };
  [envA, envB] = await Promise.all([
    spawnEnvironment({ ...common, HANDSHAKE_ENVIRONMENT: 'env-a', HANDSHAKE_DATA_DIR: join(dir, 'a') }),
    spawnEnvironment({ ...common, HANDSHAKE_ENVIRONMENT: 'env-b', HANDSHAKE_DATA_DIR: join(dir, 'b') }),
  ]);

  const requests: { headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({ headers: req.headers, body: Buffer.concat(chunks) });
    setTimeout(() => {
      echo.answered++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"ok from echo"}');
    }, echo.delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  echo = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, delayMs: 0, answered: 0 };
  await register(registryDir, 'env-echo', echo.url);
}, 120_000);

afterAll(async () => {
  await Promise.all([envA?.stop(), envB?.stop()]);
  echo?.server.close();
  await provider?.close();
  await origin?.close();
  await rm(dir, { recursive: true, force: true });
});

function agentOn(env: ReadyEnvironment, login: string) {
  // The provider sends the browser to the auth origin, which sends it on to the right environment.
  const pages: string[] = [];
  return { client: demoAgent(env, login, { callbackBase: origin.url, pages, client: { timeoutMs: 30_000 } }), pages };
}

async function tokensIn(env: ReadyEnvironment) {
  const db = localDocumentClient(env.dynamodb);
  try {
    const { Items = [] } = await db.send(new ScanCommand({ TableName: env.table }));
    return tokensInItems(Items).map((token) => `${token.pk}|${token.name}`);
  } finally {
    db.destroy();
  }
}

describe('two environments behind one auth origin (three gateways, shared registry only)', () => {
  it('completes sign-up and connect on each environment at the same time, each in its own table and me-channel', async () => {
    const run = async (env: ReadyEnvironment, login: string) => {
      const agent = agentOn(env, login);
      const signup = await agent.client.signUp('oidc');
      const channel = await MeChannelListener.of(agent.client);
      const connection = await agent.client.connect('oidc');
      agent.client.close();
      return { agent, signup, channel, connection };
    };
    const [a, b] = await Promise.all([run(envA, 'anna'), run(envB, 'bert')]);

    // Each browser went provider → auth origin → its own environment → its agent's loopback listener → that environment's success page.
    const landed = (pages: string[]) => pages.map((page) => `${new URL(page).origin}${new URL(page).pathname}`);
    expect(landed(a.agent.pages)).toEqual([`${envA.apiUrl}/web/auth-complete/oidc`, `${envA.apiUrl}/web/auth-complete/oidc`]);
    expect(landed(b.agent.pages)).toEqual([`${envB.apiUrl}/web/auth-complete/oidc`, `${envB.apiUrl}/web/auth-complete/oidc`]);
    expect(a.signup.signupStatus).toBe('userCreated');
    expect(a.connection.data).toMatchObject({ username: 'anna' });
    // The connect resolves from the claim, which publishes before it answers; the socket may get it a moment later.
    await b.channel.wait((m) => m.message.user.$set?.['providerInfo.oidc.accessToken'] === b.connection.accessToken);
    await a.channel.wait((m) => m.message.user.$set?.['providerInfo.oidc.accessToken'] === a.connection.accessToken);
    expect(a.channel.received.every((m) => m.channel === `user-${a.signup.user.id}`)).toBe(true);

    expect(await tokensIn(envB)).toEqual([`USER#${b.signup.user.id}|TOKEN#oidc#-`]);
    expect(await tokensIn(envA)).toEqual([`USER#${a.signup.user.id}|TOKEN#oidc#-`]);
    console.log(`three gateways: auth origin ${origin.url}, env-a ${envA.apiUrl}, env-b ${envB.apiUrl}; connect on env-a and env-b completed in parallel`);
  });

  it('refuses on env-b a state that env-a issued, directly or relabelled through the auth origin', async () => {
    const { client } = agentOn(envA, 'anna2');
    await client.signUp('oidc');
    // A connect on env-a started by hand (poll mode: the browser ends on env-a's pages, no listener needed).
    const verifier = createVerifier();
    const bearer = { authorization: `Bearer ${client.sessionToken}`, 'content-type': 'application/json' };
    const started = (await fetch(`${envA.apiUrl}/provider-auth-code`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ provider: 'oidc', flow: 'connect', challenge: challengeOf(verifier), challengeMethod: 'S256' }),
    }).then((r) => r.json())) as { code: string; url: string; userCode: string };
    const browser = new Browser();
    const callback = new URL(await authorizeAtProvider(browser, started.url, `${origin.url}/no-auth/provider-token/`, 'anna2', { userCode: started.userCode }));
    const state = callback.searchParams.get('state')!;
    expect(state.startsWith('env-a!')).toBe(true);

    const envBTokens = await tokensIn(envB);
    const direct = await browser.request(`${envB.apiUrl}/no-auth/provider-token/oidc${callback.search}`);
    expect(new URL(direct.headers.get('location')!).searchParams.get('code')).toBe('AUTH-1002');

    const relabelledUrl = new URL(callback);
    relabelledUrl.searchParams.set('state', state.replace(/^env-a!/, 'env-b!'));
    const relabelled = await browser.follow(relabelledUrl.toString());
    expect(relabelled.url).toMatch(new RegExp(`^${envB.apiUrl}/web/error\\?code=AUTH-1002`));

    // Refused on env-b, the state was not spent: through the auth origin it still completes on env-a, for its agent.
    const completed = await browser.follow(callback.toString());
    expect(completed.url.startsWith(`${envA.apiUrl}/web/auth-complete/oidc?s=`)).toBe(true);
    const claimed = await fetch(`${envA.apiUrl}/no-auth/check-signup`, { method: 'PUT', headers: bearer, body: JSON.stringify({ code: started.code, verifier }) });
    expect(claimed.status).toBe(200);
    expect(await claimed.json()).toMatchObject({ provider: 'oidc', data: { username: 'anna2' } });
    expect(await tokensIn(envB)).toEqual(envBTokens);
  });

  it('never redirects anywhere but a registered environment', async () => {
    const hostile = [
      'env-unknown!abc',
      'https://evil.example!abc',
      'evil.example!abc',
      '//evil.example!abc',
      '..!abc',
      '../env-a!abc',
      'env-a\r\nLocation: https://evil.example!abc',
      'env-a%0d%0aSet-Cookie:x=1!abc',
      `${'a'.repeat(10_240)}!abc`,
      'x'.repeat(10_240),
      '',
      '!abc',
    ];
    const table: string[] = [];
    for (const state of hostile) {
      const response = await fetch(`${origin.url}/no-auth/provider-token/oidc?code=c&state=${encodeURIComponent(state)}`, { redirect: 'manual' });
      const location = response.headers.get('location') ?? '';
      table.push(`${JSON.stringify(state.slice(0, 40))} → ${response.status} ${location.slice(0, 60)}`);
      expect(response.status).toBe(302);
      expect(location.startsWith('/web/error?code=ENV-1001')).toBe(true);
    }
    const twoStates = await fetch(`${origin.url}/no-auth/provider-token/oidc?state=env-a!x&state=env-b!y`, { redirect: 'manual' });
    expect(twoStates.headers.get('location')).toMatch(/^\/web\/error\?code=ENV-1001/);
    const badProvider = await fetch(`${origin.url}/no-auth/provider-token/..%2F..%2Fevil?state=env-a!x`, { redirect: 'manual' });
    expect(badProvider.headers.get('location')).toMatch(/^\/web\/error\?code=PRVD-1000/);
    const page = await fetch(`${origin.url}/web/error?code=ENV-1001&provider=oidc`);
    expect(await page.text()).toContain('This sign-in was meant for an environment this server does not know.');
    console.log(`auth origin refusals:\n  ${table.join('\n  ')}`);
  });
});

describe('the interactive-components proxy', () => {
  function slackRequest(callbackId: string, timestamp = Math.floor(Date.now() / 1000)) {
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', callback_id: callbackId, actions: [{ action_id: 'approve', value: 'x' }], user: { id: 'U1' } }))}`;
    const signature = `v0=${createHmac('sha256', SLACK_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature, 'user-agent': 'Slackbot 1.0' };
    return { body, headers };
  }

  it('forwards identical bytes and signature headers to the environment named in the payload', async () => {
    echo.requests.length = 0;
    const { body, headers } = slackRequest('env-echo!approve-deploy');
    const response = await fetch(`${origin.url}/no-auth/provider-action/slack`, { method: 'POST', headers, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"text":"ok from echo"}');
    expect(echo.requests).toHaveLength(1);
    const received = echo.requests[0]!;
    expect(received.body.equals(Buffer.from(body))).toBe(true);
    for (const [name, value] of Object.entries(headers)) expect(received.headers[name]).toBe(value);
  });

  it('delivers to a real environment, which verifies the Slack signature', async () => {
    const { body, headers } = slackRequest('env-b!approve');
    const response = await fetch(`${origin.url}/no-auth/provider-action/slack`, { method: 'POST', headers, body });
    expect(response.status).toBe(200);
    const forged = slackRequest('env-b!approve');
    const tampered = await fetch(`${origin.url}/no-auth/provider-action/slack`, { method: 'POST', headers: forged.headers, body: forged.body.replace('approve', 'destroy') });
    expect(tampered.status).toBe(403);
  });

  it('answers 404 without forwarding for an unknown environment or provider', async () => {
    echo.requests.length = 0;
    for (const callbackId of ['env-nowhere!x', 'no-prefix', 'https://evil.example!x']) {
      const { body, headers } = slackRequest(callbackId);
      expect((await fetch(`${origin.url}/no-auth/provider-action/slack`, { method: 'POST', headers, body })).status).toBe(404);
    }
    expect((await fetch(`${origin.url}/no-auth/provider-action/github`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect(echo.requests).toHaveLength(0);
  });

  it('gives up on a slow environment within its bound (504)', async () => {
    echo.delayMs = 2_000;
    try {
      const { body, headers } = slackRequest('env-echo!slow');
      const answeredBefore = echo.answered;
      const requestsBefore = echo.requests.length;
      const response = await fetch(`${origin.url}/no-auth/provider-action/slack`, { method: 'POST', headers, body });
      expect(response.status).toBe(504);
      // The proxy forwarded the request and gave up before the environment answered it (its bound, not the environment's pace).
      expect(echo.requests.length).toBe(requestsBefore + 1);
      expect(echo.answered).toBe(answeredBefore);
    } finally {
      echo.delayMs = 0;
    }
  });
});
