import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeChannelListener } from '../../local/me-channel-listener';
import { claim, connect, runBrowser, signUp, start } from '../support/flows';
import { createWorld, type World } from '../support/world';

/**
 * Sign-out under faults and races: a sign-out cut halfway must already have stopped every ended session and
 * must be finished by the same call again; a `$connect` that races a sign-out must not keep a socket.
 */
let world: World;
beforeAll(async () => {
  world = await createWorld({ dynamoProxy: true, meChannel: true });
});
afterAll(() => world.close());

const bearer = (session: string) => ({ headers: { authorization: `Bearer ${session}` } });
const within = <T>(promise: Promise<T>, ms = 5_000) => Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);
const sessionItems = async (userId: string) => (await world.scan()).filter((i) => i.pk === `USER#${userId}` && String(i.sk).startsWith('SESSION#'));

describe('sign-out under faults', () => {
  it('cut after the sessions are marked: every ended session is refused and gets no token; the same call finishes it', async () => {
    const laptop = await signUp(world, 'sam-halfway');
    const desktop = await signUp(world, 'sam-halfway');
    const userId = laptop.check.json.user.id as string;
    const desktopChannel = await MeChannelListener.open(world.ws!.url, desktop.session);

    // The sign-out's second Query (its sockets) is dropped, retries too: the sessions are marked, nothing else done.
    let queries = 0;
    world.dynamoProxy!.failWhen((operation) => operation === 'Query' && ++queries >= 2);
    let cut: Awaited<ReturnType<World['call']>>;
    try {
      cut = await world.call('DELETE', '/sessions', bearer(laptop.session));
    } finally {
      world.dynamoProxy!.up();
    }
    expect(cut).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });

    // Both sessions are already dead everywhere, and the still-open socket hears nothing of a new token.
    for (const session of [laptop.session, desktop.session]) {
      expect((await world.call('GET', '/provider-refresh/oidc', bearer(session))).json.code).toBe('AUTH-1001');
      await expect(MeChannelListener.open(world.ws!.url, session)).rejects.toMatchObject({ status: 401 });
    }
    const third = await signUp(world, 'sam-halfway');
    const connected = await connect(world, third.session, 'sam-halfway');
    expect(connected.check.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(desktopChannel.received).toEqual([]);

    // The agent's retry (the same call with the same token) finishes the job: socket closed, records gone.
    expect((await world.call('DELETE', '/sessions', bearer(laptop.session))).json).toEqual({ sessions: 3, connections: 1 });
    expect(await within(desktopChannel.closed)).toBeGreaterThan(0);
    expect(await sessionItems(userId)).toEqual([]);
    expect((await world.call('DELETE', '/sessions', bearer(laptop.session))).json.code).toBe('AUTH-1001');
  });

  it('a $connect racing a sign-out (the session ended between its check and its record) is refused', async () => {
    const person = await signUp(world, 'rosa-race');
    const add = world.rt.connections.add;
    // The sign-out lands exactly between $connect's session check and its connection record.
    world.rt.connections.add = async (connectionId, userId, sid) => {
      await add.call(world.rt.connections, connectionId, userId, sid);
      expect((await world.call('DELETE', '/session', bearer(person.session))).status).toBe(200);
    };
    try {
      await expect(MeChannelListener.open(world.ws!.url, person.session)).rejects.toMatchObject({ status: 401 });
    } finally {
      world.rt.connections.add = add;
    }
    expect(world.ws!.connectionCount()).toBe(0);
  });

  it('a connect started with a session that is signed out before the claim cannot be claimed with it', async () => {
    const person = await signUp(world, 'theo-claim');
    const other = await signUp(world, 'theo-claim');
    const started = await start(world, { flow: 'connect', session: person.session });
    const run = await runBrowser(world, started.url, 'theo-claim');
    expect((await world.call('DELETE', '/session', bearer(person.session))).status).toBe(200);
    expect(await claim(world, started, { result: run.arrival!.result })).toMatchObject({ status: 401, json: { code: 'AUTH-1001' } });
    expect(await world.rt.tokens.get(other.check.json.user.id, 'oidc')).toMatchObject({ accessToken: expect.any(String) }); // the sign-up's token, untouched
  });
});
