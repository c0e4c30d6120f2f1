import { randomBytes } from 'node:crypto';
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { performance } from 'node:perf_hooks';
import { MeChannelListener, type MeChannelMessage } from './me-channel-listener';
import { challengeOf, createVerifier } from '../client/verifier';
import { parseKeyRing } from '../shared/crypto/keys';
import { SessionService } from '../shared/sessions';
import { localDocumentClient } from './dynamodb';
import { loopbackArrival, UNHEARD_LOOPBACK } from './scripted-browser';
import { startFastProvider, type FastProvider } from './fast-provider';
import { LOCAL_TABLE, startLocalStack, type LocalStack } from './stack';

export interface LoadOptions {
  /** Complete connect handshakes to run, one user (with one open me-channel) each. */
  handshakes: number;
  /** How many run at the same time. */
  concurrency: number;
  /** After the last handshake, how long to wait for me-channel messages still on their way (default 5 s). */
  settleMs?: number;
  /** Bound on each HTTP request and WebSocket open (default 30 s). */
  requestTimeoutMs?: number;
  /** Bound on the whole run: handshakes not started by then count as failed (default 15 min). */
  deadlineMs?: number;
  /** Progress lines (the CLI prints them; the test does not). */
  progress?: (line: string) => void;
}

export interface LoadReport {
  handshakes: number;
  concurrency: number;
  /** Handshakes whose claim answered the token the provider issued for them. */
  completed: number;
  /** Handshakes that did not complete, by the first thing that went wrong. */
  failed: Record<string, number>;
  /** Completed handshakes whose token never arrived on the user's me-channel. */
  lost: number;
  /** Completed handshakes whose token arrived more than once. */
  duplicated: number;
  /** Messages that belong to no handshake of that user (wrong channel, unknown token). */
  stray: number;
  /** Me-channel connection items (by id and under the user) still in the table after every socket hung up. */
  connectionRecordsLeft: number;
  /** Callback latency (the request the provider's redirect lands on: state, cookie, visit spent, exchange, identity, result kept). */
  callback: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Claim latency (the agent's `PUT /no-auth/check-signup`: lease, token stored, answer recorded, me-channel publish). */
  claim: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Whole handshake, from the start (`POST /provider-auth-code`) to the claim's answer. */
  handshake: { p50Ms: number; p99Ms: number };
  /** Wall time of the handshakes alone, and of the whole run with set-up and settling. */
  handshakesMs: number;
  totalMs: number;
  provider: FastProvider['stats'];
}

const PROVIDER = 'oidc';
const TOKEN_FIELD = `providerInfo.${PROVIDER}.accessToken`;

interface Handshake {
  userId: string;
  session: string;
  listener?: MeChannelListener;
  /** The access token the provider issued for this handshake's code, as the claim answered it: set once the handshake completed. */
  token?: string;
  callbackMs?: number;
  claimMs?: number;
  totalMs?: number;
}

/**
 * Load on the local stack: `handshakes` complete connect handshakes (SPEC v2, loopback: start, browser visit,
 * provider, callback, claim), `concurrency` at a time, against the fast local provider, each for its own user
 * with an open me-channel. A handshake completes when its claim answers exactly the token the provider issued
 * for it; then it counts, per handshake, the me-channel messages carrying that token: none is a loss, two a
 * duplicate.
 *
 * The stack runs in this process (port 0 everywhere), so a run shares nothing with other runs or tests.
 *
 * @example
 * const report = await runLoad({ handshakes: 1000, concurrency: 50 }); // { completed: 1000, lost: 0, duplicated: 0, ... }
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { handshakes: count, concurrency } = options;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(concurrency) || concurrency < 1) throw new Error('handshakes and concurrency must be positive integers');
  const settleMs = options.settleMs ?? 5_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const runStart = performance.now();
  const deadline = Date.now() + (options.deadlineMs ?? 15 * 60_000);
  const progress = options.progress ?? (() => undefined);

  const fast = await startFastProvider();
  let stack: LocalStack | undefined;
  const runs: Handshake[] = [];
  try {
    const clientId = 'handshake-load';
    const clientSecret = randomBytes(24).toString('base64url');
    stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0, providers: { [PROVIDER]: { issuer: fast.issuer, clientId, clientSecret } } });
    fast.registerClient({ clientId, clientSecret, redirectUris: [`${stack.apiUrl}/no-auth/provider-token/${PROVIDER}`] });
    const { apiUrl, wsUrl } = stack;

    // Users are minted rather than signed up: the load is on the connect handshake and the me-channel.
    const sessions = new SessionService(
      { client: localDocumentClient(stack.dynamo.endpoint), name: LOCAL_TABLE, now: Date.now },
      parseKeyRing(stack.env.HANDSHAKE_KEYS!),
      stack.env.RUN_TIME_ENVIRONMENT!,
    );
    const runId = randomBytes(6).toString('base64url');
    for (let i = 0; i < count; i++) {
      const userId = `load-${runId}-${i}`;
      runs.push({ userId, session: await sessions.issue({ userId, account: `${userId}@load.test` }, { name: 'load' }) });
    }

    const opened = await pool(runs, concurrency, deadline, async (run) => {
      run.listener = await withTimeout(MeChannelListener.open(wsUrl, run.session), requestTimeoutMs, 'me-channel open');
    });
    progress(`${opened.done} me-channels open${opened.failures.size ? ` (${count - opened.done} failed: ${describe(opened.failures)})` : ''}`);

    const failed: Record<string, number> = {};
    const handshakesStart = performance.now();
    let finished = 0;
    const result = await pool(
      runs.filter((run) => run.listener),
      concurrency,
      deadline,
      async (run) => {
        await handshake(run, { apiUrl, fast, requestTimeoutMs });
        if (++finished % Math.max(1, Math.floor(count / 10)) === 0) progress(`${finished}/${count} handshakes`);
      },
    );
    const handshakesMs = performance.now() - handshakesStart;
    for (const [reason, n] of result.failures) failed[reason] = n;
    if (count - opened.done > 0) failed['me-channel did not open'] = count - opened.done;
    const notStarted = count - opened.done - result.done - sum(result.failures);
    if (notStarted > 0) failed['not started before the deadline'] = notStarted;

    // Every message was posted before its claim answered; give the sockets time to deliver, bounded.
    const settleUntil = Date.now() + settleMs;
    while (Date.now() < settleUntil && runs.some((run) => run.token !== undefined && matching(run) === 0)) await sleep(25);
    await sleep(Math.min(250, settleMs)); // a duplicate, if any, would arrive right behind the first copy

    const matches = new Map(runs.map((run) => [run, matching(run)]));
    const completed = runs.filter((run) => run.token !== undefined);
    const counts = { lost: completed.filter((run) => matches.get(run) === 0).length, duplicated: completed.filter((run) => matches.get(run)! > 1).length };
    const stray = runs.reduce((n, run) => n + (run.listener?.received.length ?? 0) - matches.get(run)!, 0);

    // Hang up, and let every $disconnect finish against a live table before the table goes away (bounded).
    for (const run of runs) run.listener?.close();
    const connectionRecordsLeft = await drainConnections(stack, settleMs + 5_000);
    const sorted = (times: number[]) => times.sort((a, b) => a - b);
    const latency = (times: number[]) => ({ p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times.at(-1) ?? NaN });
    const totalTimes = sorted(completed.map((run) => run.totalMs!));
    return {
      handshakes: count,
      concurrency,
      completed: completed.length,
      failed,
      ...counts,
      stray,
      connectionRecordsLeft,
      callback: latency(sorted(completed.map((run) => run.callbackMs!))),
      claim: latency(sorted(completed.map((run) => run.claimMs!))),
      handshake: { p50Ms: percentile(totalTimes, 50), p99Ms: percentile(totalTimes, 99) },
      handshakesMs,
      totalMs: performance.now() - runStart,
      provider: { ...fast.stats },
    };
  } finally {
    for (const run of runs) run.listener?.close();
    await stack?.close();
    await fast.close();
  }
}


/** One connect handshake as an agent and its browser run it (SPEC v2, loopback), over real HTTP; throws a short reason. */
async function handshake(run: Handshake, ctx: { apiUrl: string; fast: FastProvider; requestTimeoutMs: number }): Promise<void> {
  const started = performance.now();
  const request = (url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...init.headers, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(ctx.requestTimeoutMs),
    });
  const agent = { authorization: `Bearer ${run.session}` };

  // The agent: a fresh verifier, its challenge, and where its listener waits.
  const verifier = createVerifier();
  const startResponse = await request(`${ctx.apiUrl}/provider-auth-code`, {
    method: 'POST',
    headers: agent,
    body: { provider: PROVIDER, flow: 'connect', challenge: challengeOf(verifier), challengeMethod: 'S256', redirectUri: UNHEARD_LOOPBACK, client: { name: 'handshake-load' } },
  });
  const { code, url } = (await startResponse.json().catch(() => ({}))) as { code?: string; url?: string };
  if (startResponse.status !== 200 || !code || !url) throw new Reason(`provider-auth-code answered ${startResponse.status}`);

  // The browser: our visit, the provider, our callback.
  const visit = await request(url);
  await visit.body?.cancel();
  const authorizeUrl = visit.headers.get('location');
  const binding = visit.headers.getSetCookie().map((cookie) => cookie.split(';')[0]!).find((pair) => pair.startsWith('hs_bind_'));
  if (visit.status !== 302 || !authorizeUrl || !binding) throw new Reason(`provider-auth answered ${visit.status}${errorCodeIn(authorizeUrl)}`);

  const authorize = await request(authorizeUrl);
  await authorize.body?.cancel();
  const callbackUrl = authorize.headers.get('location');
  const providerCode = callbackUrl ? new URL(callbackUrl).searchParams.get('code') : null;
  if (authorize.status !== 302 || !callbackUrl || !providerCode) throw new Reason(`provider authorize answered ${authorize.status}`);

  const beforeCallback = performance.now();
  const callback = await request(callbackUrl, { headers: { cookie: binding } });
  await callback.body?.cancel();
  run.callbackMs = performance.now() - beforeCallback;
  const location = callback.headers.get('location');
  const target = location ? new URL(location) : undefined;
  const arrival = target && loopbackArrival(target);
  if (callback.status !== 302 || !arrival || `${target!.origin}${target!.pathname}` !== UNHEARD_LOOPBACK) throw new Reason(`callback answered ${callback.status}${errorCodeIn(location)}`);
  if (arrival.error) throw new Reason(`callback sent the agent ${arrival.error}`);
  const { result } = arrival;
  if (arrival.code !== code || !result) throw new Reason('callback sent the agent no result for its code');
  const issued = ctx.fast.tokenForCode(providerCode);
  if (!issued) throw new Reason('callback succeeded without exchanging the code');

  // The agent again: the claim commits (stores the token, publishes it) and answers it.
  const beforeClaim = performance.now();
  const claim = await request(`${ctx.apiUrl}/no-auth/check-signup`, { method: 'PUT', headers: agent, body: { code, verifier, result } });
  const answer = (await claim.json().catch(() => ({}))) as { accessToken?: string; code?: string };
  const after = performance.now();
  if (claim.status !== 200) throw new Reason(`claim answered ${claim.status}${answer.code ? ` ${answer.code}` : ''}`);
  if (answer.accessToken !== issued) throw new Reason('claim answered another token than the provider issued');

  run.token = issued;
  run.claimMs = after - beforeClaim;
  run.totalMs = after - started;
}

class Reason extends Error {}

const errorCodeIn = (location: string | null) => {
  const code = location?.includes('/web/error') ? new URL(location).searchParams.get('code') : null;
  return code ? ` → ${code}` : '';
};

/** Messages on the handshake's me-channel that carry exactly its token, on its user's channel. */
function matching(run: Handshake): number {
  if (!run.token || !run.listener) return 0;
  return run.listener.received.filter((m: MeChannelMessage) => m.channel === `user-${run.userId}` && m.message.user.id === run.userId && m.message.user.$set?.[TOKEN_FIELD] === run.token).length;
}

/**
 * Runs `work` over `items` with at most `limit` at a time; stops taking new items at `deadline`. Counts
 * successes and failures by reason (a Reason's message, or the error's name for anything else).
 */
async function pool<T>(items: T[], limit: number, deadline: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let done = 0;
  const failures = new Map<string, number>();
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const item = items[next++]!;
      try {
        await work(item);
        done++;
      } catch (err) {
        const reason = err instanceof Reason ? err.message : `${(err as Error).name}: ${(err as Error).message}`.slice(0, 120);
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return { done, failures };
}

function withTimeout<T extends { close(): void }>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Reason(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  // A socket that opens after its timeout must not stay open.
  promise.then((value) => timedOut && value.close(), () => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits (bounded) until the table holds no connection records; answers how many are left. */
async function drainConnections(stack: LocalStack, withinMs: number): Promise<number> {
  const db = localDocumentClient(stack.dynamo.endpoint);
  const count = async () => {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < 1_000; page++) {
      const answer: ScanCommandOutput = await db.send(
        new ScanCommand({ TableName: LOCAL_TABLE, Select: 'COUNT', ConsistentRead: true, FilterExpression: 'begins_with(pk, :conn) OR begins_with(sk, :conn)', ExpressionAttributeValues: { ':conn': 'CONN#' }, ExclusiveStartKey: start }),
      );
      total += answer.Count ?? 0;
      start = answer.LastEvaluatedKey;
      if (!start) break;
    }
    return total;
  };
  try {
    const until = Date.now() + withinMs;
    let left = await count();
    while (left > 0 && Date.now() < until) {
      await sleep(100);
      left = await count();
    }
    await sleep(200); // the last deletes are applied; let their answers reach the handlers
    return left;
  } finally {
    db.destroy();
  }
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const sum = (failures: Map<string, number>) => [...failures.values()].reduce((a, b) => a + b, 0);
const describe = (failures: Map<string, number>) => [...failures].map(([reason, n]) => `${n}× ${reason}`).join(', ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
