import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { MeChannelListener, type MeChannelMessage } from '../../local/me-channel-listener';
import { LOCAL_TABLE, startLocalStack, type LocalStack } from '../../local/stack';
import { setRuntime } from '../../shared/runtime';
import { localDocumentClient } from '../../local/dynamodb';
import { demoAgent } from '../support/agents';

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

const agent = (login: string, pages: string[] = []) => demoAgent(stack, login, { pages });

/** The message that publishes `accessToken` for the provider. */
const setting = (provider: string, accessToken: string) => (m: MeChannelMessage) => m.message.user.$set?.[`providerInfo.${provider}.accessToken`] === accessToken;

async function connectionRecords(userId: string) {
  const { Items = [] } = await db.send(
    new QueryCommand({ TableName: LOCAL_TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)', ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':c': 'CONN#' } }),
  );
  return Items.map((item) => item.connectionId as string);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('me-channel over real WebSockets through the local gateway', () => {
  it('pushes a connected token to every socket of the user and to no one else', async () => {
    const alice = agent('alice');
    const bob = agent('bob');
    const aliceUp = await alice.signUp('demo');
    const bobUp = await bob.signUp('demo');

    const aliceSockets = [await MeChannelListener.of(alice), await MeChannelListener.open(stack.wsUrl, aliceUp.sessionToken)];
    const bobSocket = await MeChannelListener.of(bob);
    expect(await connectionRecords(aliceUp.user.id)).toHaveLength(2);

    const connection = await alice.connect('oidc');
    expect(connection.accessToken).toMatch(/^[\w-]{20,}$/);
    for (const socket of aliceSockets) {
      const message = await socket.wait((m) => m.channel === `user-${aliceUp.user.id}`);
      expect(message.message.user).toMatchObject({ id: aliceUp.user.id, $set: { 'providerInfo.oidc.accessToken': connection.accessToken } });
      expect(message.message.requestId).toEqual(expect.any(String));
    }
    await settle();
    expect(bobSocket.received).toHaveLength(0);

    // The connect resolves from the claim, which publishes before it answers; the socket may get it a moment later.
    const bobs = await bob.connect('oidc');
    await bobSocket.wait(setting('oidc', bobs.accessToken));
    await settle();
    expect(bobSocket.received.map((m) => m.channel)).toEqual([`user-${bobUp.user.id}`]);
    expect(aliceSockets[0]!.received.every((m) => m.channel === `user-${aliceUp.user.id}`)).toBe(true);
    aliceSockets[1]!.close();
    alice.close();
    bob.close();
  });

  it('forgets a connection that vanished (410 Gone) while the others still receive the message', async () => {
    const carol = agent('carol');
    const { user, sessionToken } = await carol.signUp('demo');
    const staying = await MeChannelListener.of(carol);
    const before = new Set(stack.ws.connectionIds());
    const leaving = await MeChannelListener.open(stack.wsUrl, sessionToken);
    const vanishedId = stack.ws.connectionIds().find((id) => !before.has(id))!;
    stack.ws.vanish(vanishedId); // no $disconnect: the record stays until a publish finds it gone
    expect(await connectionRecords(user.id)).toContain(vanishedId);

    const connection = await carol.connect('oidc');
    await staying.wait(setting('oidc', connection.accessToken));
    await settle();
    expect(staying.received).toHaveLength(1);
    expect(leaving.received).toHaveLength(0);
    expect(await connectionRecords(user.id)).not.toContain(vanishedId);
    expect(await connectionRecords(user.id)).toHaveLength(1);
    carol.close();
  });

  it('pushes the new token of a returning user who signs in again to the sockets already open', async () => {
    const gina = agent('gina');
    const first = await gina.signUp('demo');
    const socket = await MeChannelListener.of(gina);
    const again = await agent('gina').signUp('demo');
    expect(again.signupStatus).toBe('signedIn');
    expect(again.user.id).toBe(first.user.id);
    const message = await socket.wait(setting('demo', again.connection.accessToken));
    expect(message.channel).toBe(`user-${first.user.id}`);
    gina.close();
  });

  it("publishes a connect's token to the same user's other windows (another agent signed in as the same person) and to nobody else", async () => {
    const window1 = agent('hana');
    const window2 = agent('hana');
    const stranger = agent('ivo');
    const first = await window1.signUp('demo');
    const second = await window2.signUp('demo');
    expect(second).toMatchObject({ signupStatus: 'signedIn', user: { id: first.user.id } });
    await stranger.signUp('demo');
    const [own, otherWindow, strangers] = [await MeChannelListener.of(window1), await MeChannelListener.of(window2), await MeChannelListener.of(stranger)];

    const connection = await window1.connect('oidc');
    // The window that did not connect learns the token the other one got, on its own session's socket.
    const learned = await otherWindow.wait(setting('oidc', connection.accessToken));
    expect(learned.channel).toBe(`user-${first.user.id}`);
    expect(learned.message.user).toMatchObject({ id: first.user.id, $set: { 'providerInfo.oidc.accessToken': connection.accessToken } });
    await own.wait(setting('oidc', connection.accessToken));
    await settle();
    expect(otherWindow.received).toHaveLength(1);
    expect(own.received).toHaveLength(1);
    expect(strangers.received).toHaveLength(0);
    for (const client of [window1, window2, stranger]) client.close();
  });

  it('forgets a connection on $disconnect', async () => {
    const dan = agent('dan');
    const { user } = await dan.signUp('demo');
    const socket = await MeChannelListener.of(dan);
    expect(await connectionRecords(user.id)).toHaveLength(1);
    socket.close();
    for (let i = 0; i < 50 && (await connectionRecords(user.id)).length; i++) await settle();
    expect(await connectionRecords(user.id)).toHaveLength(0);
  });

  it('refuses a bad session token at $connect with 401 and records nothing', async () => {
    const { sessionToken, user } = await agent('erin').signUp('demo');
    for (const token of ['', 'not-a-jwt', `${sessionToken.slice(0, -3)}abc`]) {
      await expect(MeChannelListener.open(stack.wsUrl, token)).rejects.toMatchObject({ status: 401 });
    }
    expect(await connectionRecords(user.id)).toHaveLength(0);
    const viaHeader = await new Promise<number>((resolve) => {
      // The Authorization header works as well as ?token=.
      import('ws').then(({ default: WebSocket }) => {
        const socket = new WebSocket(stack.wsUrl, { headers: { authorization: `Bearer ${sessionToken}` } });
        socket.once('open', () => (socket.close(), resolve(200)));
        socket.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      });
    });
    expect(viaHeader).toBe(200);
  });

  it('completes the handshake even when the me-channel cannot be reached', async () => {
    const pages: string[] = [];
    const frank = agent('frank', pages);
    const { user } = await frank.signUp('demo');
    // An open socket, so that the connect has somewhere to publish, and the publish is really attempted.
    const socket = await MeChannelListener.of(frank);
    expect(await connectionRecords(user.id)).toHaveLength(1);
    const saved = process.env.MECHANNEL_ENDPOINT;
    process.env.MECHANNEL_ENDPOINT = 'http://127.0.0.1:9';
    setRuntime(undefined);
    try {
      const connection = await frank.connect('oidc');
      expect(connection).toMatchObject({ provider: 'oidc', accessToken: expect.any(String), data: { username: 'frank' } });
      expect(new URL(pages.at(-1)!).pathname).toBe('/web/auth-complete/oidc');
      const { Item } = await db.send(new GetCommand({ TableName: LOCAL_TABLE, Key: { pk: `USER#${user.id}`, sk: 'PROFILE' } }));
      expect(Item?.['TOKEN#oidc#-']).toMatchObject({ provider: 'oidc', sealed: expect.any(String) });
      await settle();
      expect(socket.received).toHaveLength(0);
    } finally {
      process.env.MECHANNEL_ENDPOINT = saved;
      setRuntime(undefined);
      frank.close();
    }
  });

  it('answers {"action":"ping"} with {"type":"pong"} on the same socket, and the client pings on its own as a heartbeat', async () => {
    const { sessionToken } = await agent('pinger').signUp('demo');
    const quiet = await MeChannelListener.open(stack.wsUrl, sessionToken, { heartbeatMs: 0 });
    const beating = await MeChannelListener.open(stack.wsUrl, sessionToken, { heartbeatMs: 50 });
    try {
      await quiet.ping();
      // The gateway's management API says when each socket last sent something (API Gateway's LastActiveAt).
      const lastActive = async (index: number) => {
        const id = stack.ws.connectionIds()[index]!;
        const answer = await fetch(`${stack.ws.managementUrl}/@connections/${encodeURIComponent(id)}`);
        return Date.parse(((await answer.json()) as { lastActiveAt: string }).lastActiveAt);
      };
      const beatingIndex = stack.ws.connectionIds().length - 1; // the socket opened last
      const before = await lastActive(beatingIndex);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await lastActive(beatingIndex)).toBeGreaterThan(before);
      // Pongs never reach the update stream, nor does a gateway notice for an action no route serves.
      const raw = new WebSocket(`${stack.wsUrl}?token=${encodeURIComponent(sessionToken)}`);
      await new Promise((resolve) => raw.once('open', resolve));
      raw.send(JSON.stringify({ action: 'subscribe' }));
      const notice = await new Promise<string>((resolve) => raw.once('message', (data) => resolve(String(data))));
      expect(JSON.parse(notice)).toMatchObject({ message: 'Forbidden' });
      raw.close();
      expect(quiet.received).toEqual([]);
      expect(beating.received).toEqual([]);
    } finally {
      quiet.close();
      beating.close();
    }
  });
});
