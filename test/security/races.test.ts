import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeChannelListener } from '../../local/me-channel-listener';
import { createWorld, type World } from '../support/world';
import { claim, runBrowser, signUp, start } from '../support/flows';

/**
 * Two connects of the same provider by one user (two IDE windows, two browsers), claimed at the same moment.
 * Each claim stores its token and numbers the change in one write, so DynamoDB orders them: the one written
 * last stands and carries the higher number. Whatever the order, every window must end with the token the
 * table holds: the last message by version and `GET /me` both name it.
 */
let world: World;
let session: string;
let userId: string;
beforeAll(async () => {
  world = await createWorld({ meChannel: true });
  const signup = await signUp(world, 'race-user');
  session = signup.session;
  userId = signup.check.json.user.id;
});
afterAll(() => world.close());

const ROUNDS = 8;

describe('two connects of one provider at once', () => {
  it(`${ROUNDS} rounds: both agents answered, one token stored, and the last message and GET /me name the stored one`, async () => {
    const channel = await MeChannelListener.open(world.ws!.url, session);
    const outcomes: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const [first, second] = await Promise.all([start(world, { flow: 'connect', session }), start(world, { flow: 'connect', session })]);
        const [runA, runB] = await Promise.all([runBrowser(world, first.url, 'race-user'), runBrowser(world, second.url, 'race-user')]);
        const from = channel.received.length;
        // Either may be sent first: which one DynamoDB writes last is the race.
        const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        const [a, b] = await Promise.all([
          jitter().then(() => claim(world, first, { result: runA.arrival!.result })),
          jitter().then(() => claim(world, second, { result: runB.arrival!.result })),
        ]);
        expect([a.status, b.status]).toEqual([200, 200]);
        expect(a.json.accessToken).not.toBe(b.json.accessToken);

        const stored = (await world.rt.tokens.get(userId, 'oidc'))!;
        expect([a.json.accessToken, b.json.accessToken]).toContain(stored.accessToken);
        await channel.wait(() => channel.received.length >= from + 2, AbortSignal.timeout(5_000));
        const messages = channel.received.slice(from).sort((x, y) => Number(x.version) - Number(y.version));
        expect(messages).toHaveLength(2);
        expect(Number(messages[1]!.version)).toBe(Number(messages[0]!.version) + 1);
        expect(Number(messages[1]!.version)).toBe(stored.version);
        expect(messages[1]!.message.user.$set?.['providerInfo.oidc.accessToken']).toBe(stored.accessToken);
        const me = await world.call('GET', '/me', { headers: { authorization: `Bearer ${session}` } });
        expect(me.json).toMatchObject({ version: stored.version, user: { providerInfo: { oidc: { accessToken: stored.accessToken } } } });
        outcomes.push(stored.accessToken === a.json.accessToken ? 'first' : 'second');
      }
    } finally {
      channel.close();
    }
    console.log(`two connects at once, ${ROUNDS} rounds: the stored token was the ${outcomes.join(', ')} claim's; every round the last message (by version) and GET /me named it`);
  });
});
