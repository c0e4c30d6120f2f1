import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../support/world';
import { claim, readCallbackAnswer, start, verdict, type Started } from '../support/flows';
import { authorizeAtProvider } from '../../local/scripted-browser';
import { CALLBACK_PREFIX } from '../support/flows';
import { sha256 } from '../../shared/crypto/random';
import { tokensInItems } from '../support/table-tokens';

/**
 * Every DynamoDB call of a handshake, failed in turn (the N-th call of the flow, for every N), in two ways:
 * - `error`: the call and every retry the SDK makes of it never reach DynamoDB (connection reset each time);
 * - `lost`: DynamoDB applies it, its answer is lost on the way back, and the SDK retries it;
 * - `timeout`: DynamoDB applies it and never answers; the SDK's request timeout (2 s) fires and it retries.
 * The agent acts as the client does (claims through 5xx, waits while the person is at the provider, its
 * clock running on); then a fresh handshake of the same person runs without faults. Each cell must end with
 * the right answer or a final SPEC code, and the fresh run must succeed with nothing duplicated.
 */
let world: World;
const rows: string[][] = [];
let phase = '';
let calls: { phase: string; operation: string }[] = [];

beforeAll(async () => {
  world = await createWorld({ dynamoProxy: true });
});
afterAll(async () => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`fault table (${rows.length - 1} cells):\n${rows.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')}`);
  await world.close();
});

type Fault = 'error' | 'lost' | 'timeout';

/** Arms the proxy: the N-th request from now (and, for `error`, every retry of it) fails. */
function arm(n: number, fault: Fault) {
  let seen = 0;
  let recovered = false;
  let drops = 0;
  let target: string | undefined;
  calls = [];
  const proxy = world.dynamoProxy!;
  const pick = (operation: string, body: string) => {
    // Every attempt the SDK makes of this call fails; once the handler has moved on (another request came),
    // DynamoDB is back.
    if (target !== undefined && fault === 'error' && !recovered) {
      // (An agent repeating the very same call sends the same body: after 8 drops, more than the SDK's
      // attempts of one call, the outage is over.)
      if (body === target && ++drops < 8) return true;
      recovered = true;
    }
    seen++;
    calls.push({ phase, operation });
    if (seen !== n) return false;
    target = body;
    return true;
  };
  if (fault === 'error') {
    proxy.loseAnswersWhen(() => false);
    proxy.holdAnswersWhen(() => false);
    proxy.failWhen(pick);
  } else {
    proxy.failWhen(() => false);
    let lost = false;
    (fault === 'lost' ? proxy.loseAnswersWhen : proxy.holdAnswersWhen)((operation, body) => {
      if (lost) return false;
      const hit = pick(operation, body);
      if (hit) lost = true;
      return hit;
    });
  }
  return () => calls[n - 1];
}

/** The agent's claims, as the client makes them: through 5xx and "not yet", its clock moving on, up to the 10-minute expiry. */
async function claimUntilFinal(started: Started, result?: string): Promise<string> {
  phase = 'claim';
  for (let round = 0; round < 40; round++) {
    const answer = await claim(world, started, { result });
    if (answer.status === 200) return 'ok';
    const code = String(answer.json?.code);
    if (answer.status < 500 && code !== 'AUTH-1006') return code;
    world.clock.offsetMs += 25_000;
  }
  return 'TIMEOUT';
}

/**
 * One handshake: start, the browser, the claim; what each party saw. The person does what our error page
 * says on SRV-1000 ("try again"): opens the link once more, or reloads the callback once.
 */
async function handshake(flow: 'signup' | 'connect', login: string, session?: string): Promise<{ browser: string; agent: string; code?: string }> {
  phase = 'start';
  const started = await start(world, { flow, session, mode: flow === 'signup' ? 'loopback' : 'poll' }).catch((err: Error) => err);
  if (started instanceof Error) return { browser: '-', agent: /answered 503/.test(started.message) ? 'SRV-1000 (start; the IDE starts again)' : started.message };
  const browser = world.browser();
  const saw: string[] = [];
  let callbackUrl: string | undefined;
  for (let attempt = 0; attempt < 2 && !callbackUrl; attempt++) {
    phase = 'visit';
    try {
      callbackUrl = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, login, { userCode: started.userCode });
    } catch {
      saw.push('error page (visit)');
    }
  }
  if (!callbackUrl) return { browser: saw.join(', '), agent: await claimUntilFinal(started), code: started.code };
  phase = 'callback';
  let callback = await browser.request(callbackUrl);
  if (verdict(callback) === 'SRV-1000') {
    saw.push('error page SRV-1000, reloaded');
    callback = await browser.request(callbackUrl);
  }
  const { arrival } = readCallbackAnswer(callback);
  saw.push(arrival ? (arrival.error ? `loopback error=${arrival.error}` : 'loopback result') : verdict(callback) === 'ok' ? 'success page' : `error page ${verdict(callback)}`);
  if (flow === 'signup' && !arrival) return { browser: saw.join(', '), agent: 'WAITING (nothing reached the loopback listener)', code: started.code };
  return { browser: saw.join(', '), agent: await claimUntilFinal(started, arrival?.result), code: started.code };
}

async function itemsOf(login: string) {
  const items = await world.scan();
  const identities = items.filter((i) => String(i.pk).startsWith('IDENTITY#') && String(i.pk).endsWith(`#${login}`));
  const userIds = new Set(identities.map((i) => i.userId as string));
  const tokens = [...userIds].flatMap((userId) => tokensInItems(items, { userId }));
  return { identities: identities.length, tokens: tokens.length };
}

async function cleanCount(flow: 'signup' | 'connect'): Promise<number> {
  const login = `count-${randomUUID().slice(0, 6)}`;
  const session = flow === 'connect' ? await signedUp(login) : undefined;
  arm(10_000, 'lost');
  await handshake(flow, login, session);
  world.dynamoProxy!.up();
  world.clock.offsetMs = 0;
  return calls.length;
}

async function signedUp(login: string): Promise<string> {
  world.dynamoProxy!.up();
  const started = await start(world, { flow: 'signup', mode: 'poll' });
  const browser = world.browser();
  const callbackUrl = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, login, { userCode: started.userCode });
  await browser.request(callbackUrl);
  return (await claim(world, started)).json.accessToken as string;
}

describe('DynamoDB fault table: every call of each flow, failed, applied-and-lost, or applied and timed out', () => {
  for (const flow of ['signup', 'connect'] as const) {
    it(`${flow} (${flow === 'signup' ? 'loopback' : 'poll'}): every cell ends final, and a fresh handshake then succeeds once`, async () => {
      const total = await cleanCount(flow);
      if (!rows.length) rows.push(['flow', 'call', 'step', 'operation', 'fault', 'browser saw', 'agent got', 'after: identities/tokens/handshake', 'fresh run']);
      expect(total).toBeGreaterThan(4);
      for (let n = 1; n <= total; n++) {
        for (const fault of ['error', 'lost', 'timeout'] as const) {
          const login = `fault-${flow}-${n}-${fault}-${randomUUID().slice(0, 4)}`;
          const session = flow === 'connect' ? await signedUp(login) : undefined;
          world.clock.offsetMs = 0;
          const which = arm(n, fault);
          const outcome = await handshake(flow, login, session);
          const call = which();
          world.dynamoProxy!.up();
          world.clock.offsetMs = 0;
          const after = await itemsOf(login);
          const record = outcome.code ? await world.rt.handshakes.get(sha256(outcome.code)) : undefined;
          // The same person again, without faults: what a retry from the IDE does.
          const fresh = await handshake(flow, login, session);
          world.clock.offsetMs = 0;
          const healed = await itemsOf(login);
          rows.push([flow, String(n), call?.phase ?? '-', call?.operation ?? '-', fault, outcome.browser, outcome.agent, `${after.identities}/${after.tokens}/${record?.status ?? '-'}`, `${fresh.agent}, ${healed.identities}/${healed.tokens}`]);

          expect(outcome.agent, `${flow} call ${n} ${fault}`).not.toMatch(/TIMEOUT|WAITING/);
          // A lost or timed-out answer is invisible: the SDK retries, the write knows its own, the flow goes on.
          if (fault !== 'error') expect(outcome.agent, `${flow} call ${n} ${fault}`).toBe('ok');
          expect(fresh.agent, `${flow} call ${n} ${fault}: the fresh run`).toBe('ok');
          expect(healed.identities).toBe(1);
          expect(healed.tokens).toBe(1);
        }
      }
    }, 600_000);
  }
});

describe('a hung DynamoDB', () => {
  it('bounds every call (1 s connect, 2 s answer, 3 attempts): the agent gets 503 SRV-1000 instead of a request held to the timeout', async () => {
    world.dynamoProxy!.hangWhen((operation) => operation === 'PutItem');
    try {
      const began = performance.now();
      const answer = await world.call('POST', '/provider-auth-code', { body: { provider: 'oidc', flow: 'signup', challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', challengeMethod: 'S256' } });
      expect(answer).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });
      console.log(`hung PutItem: the start answered 503 SRV-1000 after ${((performance.now() - began) / 1000).toFixed(1)} s (3 attempts of ≤ 2 s)`);
    } finally {
      world.dynamoProxy!.up();
    }
  }, 60_000);
});
