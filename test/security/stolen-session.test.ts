import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { MeChannelListener } from '../../local/me-channel-listener';
import { localDocumentClient } from '../../local/dynamodb';
import { LOCAL_TABLE, startLocalStack, type LocalStack } from '../../local/stack';
import { demoAgent } from '../support/agents';

/**
 * A session token is stolen (SPEC, "Sessions"). The person signs in on two machines, with two browsers (two
 * cookie jars) and two agents; signing out the first ends that token on HTTP and closes its open me-channel at
 * once, while the second keeps working; signing out everywhere ends every session and closes every socket.
 * Real local stack: dynalite, the demo OpenID provider, the HTTP and WebSocket gateways.
 */
let stack: LocalStack;
let db: ReturnType<typeof localDocumentClient>;

beforeAll(async () => {
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0 });
  db = localDocumentClient(stack.dynamo.endpoint);
});
afterAll(async () => {
  db.destroy();
  await stack.close();
});

const agent = (login: string, clientName: string) => demoAgent(stack, login, { client: { clientName } });

/** What a thief does with a token: every Bearer route, and a new me-channel. */
async function useToken(token: string) {
  const bearer = { authorization: `Bearer ${token}` };
  const start = await fetch(`${stack.apiUrl}/provider-auth-code`, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'demo', flow: 'connect', challenge: 'x'.repeat(43), challengeMethod: 'S256' }),
  });
  const refresh = await fetch(`${stack.apiUrl}/provider-refresh/demo`, { headers: bearer });
  const deauth = await fetch(`${stack.apiUrl}/provider-deauth/oidc`, { method: 'PUT', headers: bearer });
  const signOut = await fetch(`${stack.apiUrl}/session`, { method: 'DELETE', headers: bearer });
  const socket = await MeChannelListener.open(stack.wsUrl, token).then(
    (listener) => (listener.close(), 200),
    (err: { status?: number }) => err.status ?? 0,
  );
  const codes = await Promise.all([start, refresh, deauth, signOut].map(async (r) => `${r.status} ${((await r.json()) as { code?: string }).code ?? ''}`.trim()));
  return { http: codes, socket };
}

const within = <T>(promise: Promise<T>, ms = 5_000) => Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

async function sessionRecords(userId: string) {
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: LOCAL_TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)', ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':s': 'SESSION#' } }),
  );
  return Items;
}

describe('a stolen session token', () => {
  it('stops working on HTTP and on the me-channel once its session is signed out, and only that session', async () => {
    const laptop = agent('ada-stolen', 'VS Code');
    const desktop = agent('ada-stolen', 'JetBrains');
    const first = await laptop.signUp('demo');
    const second = await desktop.signUp('demo');
    expect(second.user.id).toBe(first.user.id);
    expect(second.sessionToken).not.toBe(first.sessionToken);
    const records = await sessionRecords(first.user.id);
    expect(records.map((r) => r.clientName).sort()).toEqual(['JetBrains', 'VS Code']);
    for (const record of records) expect(record).toMatchObject({ createdAt: expect.any(Number), lastUsedAt: expect.any(Number), ttl: expect.any(Number) });

    // The thief holds a copy of the laptop's token and has the me-channel open with it.
    const stolen = first.sessionToken;
    const thiefChannel = await MeChannelListener.open(stack.wsUrl, stolen);
    const laptopChannel = await MeChannelListener.of(laptop);
    const desktopChannel = await MeChannelListener.of(desktop);

    expect(await laptop.signOut()).toEqual({ sessions: 1, connections: 2 });
    expect(laptop.sessionToken).toBeUndefined();
    // Both sockets opened with the ended session are closed by the server, now, not in two hours.
    expect(await within(thiefChannel.closed)).toBeGreaterThan(0);
    expect(await within(laptopChannel.closed)).toBeGreaterThan(0);

    const thief = await useToken(stolen);
    expect(thief.http).toEqual(['401 AUTH-1001', '401 AUTH-1001', '401 AUTH-1001', '401 AUTH-1001']);
    expect(thief.socket).toBe(401);

    // The desktop's session is untouched: its socket is open and still hears about new tokens.
    expect(desktopChannel.open).toBe(true);
    const connected = await desktop.connect('demo');
    await within(desktopChannel.wait((m) => m.message.user.$set?.['providerInfo.demo.accessToken'] === connected.accessToken));
    expect((await sessionRecords(first.user.id)).map((r) => r.clientName)).toEqual(['JetBrains']);
    desktop.close();
  });

  it('signing out everywhere ends every session of the user and closes all their sockets, and no other user’s', async () => {
    const one = agent('grace-everywhere', 'VS Code');
    const two = agent('grace-everywhere', 'Cursor');
    const bystander = agent('linus-bystander', 'VS Code');
    const a = await one.signUp('demo');
    const b = await two.signUp('demo');
    await bystander.signUp('demo');
    const channels = [await MeChannelListener.of(one), await MeChannelListener.of(two), await MeChannelListener.open(stack.wsUrl, a.sessionToken)];
    const bystanderChannel = await MeChannelListener.of(bystander);

    expect(await two.signOutEverywhere()).toEqual({ sessions: 2, connections: 3 });
    for (const channel of channels) expect(await within(channel.closed)).toBeGreaterThan(0);
    for (const token of [a.sessionToken, b.sessionToken]) expect((await useToken(token)).http.every((code) => code === '401 AUTH-1001')).toBe(true);
    expect(await sessionRecords(a.user.id)).toEqual([]);

    expect(bystanderChannel.open).toBe(true);
    expect((await fetch(`${stack.apiUrl}/provider-refresh/demo`, { headers: { authorization: `Bearer ${bystander.sessionToken}` } })).status).toBe(200);
    // Signing out a token that is already ended is still "signed out" for the agent.
    expect(await one.signOut()).toEqual({ sessions: 0, connections: 0 });
    bystander.close();
  });
});
