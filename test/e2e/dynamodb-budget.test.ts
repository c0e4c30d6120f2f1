import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeChannelListener } from '../../local/me-channel-listener';
import { authorizeAtProvider, submitUserCode } from '../../local/scripted-browser';
import { createWorld, type World } from '../support/world';
import { CALLBACK_PREFIX, claim, locationOf, readCallbackAnswer, signUp, start } from '../support/flows';
import { recordCommands } from '../support/dynamo-commands';

/**
 * DynamoDB commands per step of a handshake, counted by a middleware on the broker's table client, against
 * the budgets of the agent-bound handshakes issue. Counts, not times: they do not depend on the machine.
 */
let world: World;
let commands: ReturnType<typeof recordCommands>;
const rows: { step: string; names: string[]; onDynamoDB: number; budget: string }[] = [];

beforeAll(async () => {
  world = await createWorld({ meChannel: true });
  commands = recordCommands(world.rt.table.client);
});
afterAll(async () => {
  console.log(
    `DynamoDB commands per step (on DynamoDB: without the reads dynalite alone needs):\n${rows
      .map((r) => `  ${r.step.padEnd(44)} ${String(r.onDynamoDB).padStart(2)}  budget ${r.budget.padEnd(14)} ${r.names.join(' ')}`)
      .join('\n')}`,
  );
  await world.close();
});

/** Runs one step and returns its commands, recording the row. */
async function step<T>(name: string, budget: string, run: () => Promise<T>): Promise<{ value: T; names: string[]; onDynamoDB: number; sessionCommands: string[] }> {
  commands.take();
  const value = await run();
  const { names, emulatorReads, commands: sent } = commands.take();
  rows.push({ step: name, names, onDynamoDB: names.length - emulatorReads, budget });
  const sessionCommands = sent.filter((c) => String(c.input.Key?.sk ?? c.input.Item?.sk ?? '').startsWith('SESSION#')).map((c) => c.name);
  return { value, names, onDynamoDB: names.length - emulatorReads, sessionCommands };
}

describe('DynamoDB commands per step', () => {
  it('sign-up of a new user, loopback: start 1, visit 1, callback 2, claim 5 (the session record included)', async () => {
    const started = await step('start (sign-up)', '≤ 1', () => start(world, { flow: 'signup' }));
    expect(started.names).toEqual(['PutItemCommand']);
    const browser = world.browser();
    const visit = await step('browser visit (loopback)', '≤ 1', () => browser.request(started.value.url));
    expect(visit.names).toEqual(['UpdateItemCommand']);
    const callbackUrl = await authorizeAtProvider(browser, locationOf(visit.value).toString(), CALLBACK_PREFIX, 'budget-new');
    const callback = await step('callback', '≤ 2', () => browser.request(callbackUrl));
    expect(callback.names).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    const { arrival } = readCallbackAnswer(callback.value);
    const claimed = await step('claim (sign-up, new user)', '≤ 5', () => claim(world, started.value, { result: arrival!.result }));
    expect(claimed.value.json.signupStatus).toBe('userCreated');
    // The lease, the identity, the profile with the token and its number, the session, the answer on the record.
    expect(claimed.names).toEqual(['UpdateItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'PutItemCommand', 'UpdateItemCommand']);
    expect(claimed.names.filter((n) => n === 'QueryCommand')).toEqual([]);
  });

  it('connect, poll mode: start 1 + session, confirmation page 1, right user code 1, callback 2, claim 3 + session, plus the publish Query', async () => {
    const { session } = await signUp(world, 'budget-user');
    const channel = await MeChannelListener.open(world.ws!.url, session);
    try {
      const started = await step('start (connect)', '1 + session', () => start(world, { flow: 'connect', session, mode: 'poll' }));
      // The Bearer check is one consistent GetItem of the session record, and nothing else.
      expect(started.names).toEqual(['GetItemCommand', 'PutItemCommand']);
      const browser = world.browser();
      // The page reads the record through the refused loopback visit (DynamoDB hands the item back with it).
      const page = await step('confirmation page (poll)', '≤ 1', () => browser.request(started.value.url));
      expect(page.onDynamoDB).toBeLessThanOrEqual(1);
      const confirmed = await step('browser visit (poll: right user code)', '≤ 1', () => submitUserCode(browser, page.value, started.value.userCode!, () => true));
      expect(confirmed.names).toEqual(['UpdateItemCommand']);
      const callbackUrl = await authorizeAtProvider(browser, locationOf(confirmed.value).toString(), CALLBACK_PREFIX, 'budget-user');
      const callback = await step('callback', '≤ 2', () => browser.request(callbackUrl));
      expect(callback.names).toHaveLength(2);
      const claimed = await step('claim (connect) + publish', '≤ 3 + session + Query', () => claim(world, started.value));
      expect(claimed.value.status).toBe(200);
      expect(claimed.names[0]).toBe('GetItemCommand');
      // The lease, the token with its change number (one write of the profile), the answer on the record.
      const writes = claimed.names.slice(1).filter((n) => n !== 'QueryCommand');
      expect(writes).toEqual(['UpdateItemCommand', 'UpdateItemCommand', 'UpdateItemCommand']);
      expect(claimed.names.filter((n) => n === 'QueryCommand')).toEqual(['QueryCommand']);
      await channel.wait((m) => Boolean(m.message.user.$set?.['providerInfo.oidc.accessToken']), AbortSignal.timeout(5_000));
    } finally {
      channel.close();
    }
  });

  it('a Bearer call costs one read for its session; sign-out marks, reads the partition once, and deletes', async () => {
    const { session } = await signUp(world, 'budget-signout');
    const checked = await step('Bearer call (GET /provider-refresh)', 'session 1', () => world.call('GET', '/provider-refresh/oidc', { headers: { authorization: `Bearer ${session}` } }));
    expect(checked.value.status).toBe(200);
    expect(checked.names[0]).toBe('GetItemCommand');
    expect(checked.sessionCommands).toEqual(['GetItemCommand']);
    const out = await step('sign-out (DELETE /session)', 'session 1 + 3', () => world.call('DELETE', '/session', { headers: { authorization: `Bearer ${session}` } }));
    expect(out.value.status).toBe(200);
    // Mark revoked, read the partition for its sockets (none here), delete the record.
    expect(out.names).toEqual(['GetItemCommand', 'UpdateItemCommand', 'QueryCommand', 'DeleteItemCommand']);
  });
});
