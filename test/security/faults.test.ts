import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createWorld, type World } from '../support/world';
import { startFaultyProvider, type TokenEndpointMode } from '../support/faulty-provider';
import { challengeOf, createVerifier } from '../../client/verifier';
import { authorizeAtProvider, type Browser } from '../../local/scripted-browser';
import { CALLBACK_PREFIX, claim, locationOf, readCallbackAnswer, start, verdict, type Started } from '../support/flows';
import { tokensInItems } from '../support/table-tokens';

/**
 * What a person and an agent see when a dependency fails in the middle of a handshake (SPEC v2): the provider
 * at the callback, DynamoDB before and after the callback spends the visit, DynamoDB in the middle of a claim;
 * and what concurrency does to one state, one code and one ready result. Each failure gets its SPEC code,
 * nothing is half-written, and a retry works.
 */
let world: World;
let provider: Awaited<ReturnType<typeof startFaultyProvider>>;
const PROVIDER_BOUND_MS = 300;

beforeAll(async () => {
  provider = await startFaultyProvider();
  world = await createWorld({
    dynamoProxy: true,
    providerTimeoutMs: PROVIDER_BOUND_MS,
    settings: () => ({ oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret } }),
  });
});
afterAll(async () => {
  await world.close();
  await provider.close();
});

/** A user of this environment (its session, on the broker's clock) who connects the faulty provider. */
const newUser = async () => {
  const userId = randomUUID();
  return { userId, session: await world.rt.sessions.issue({ userId, account: `${userId.slice(0, 8)}@example.test` }) };
};

/** Everything but the handshake records: users, identities and tokens, which a failed handshake must leave as they were. */
const accountItems = async () => (await world.scan()).filter((item) => !String(item.pk).startsWith('HANDSHAKE#'));
const tokenItems = async (userId: string) => tokensInItems(await world.scan(), { userId });
const identityItems = async (subject: string) => (await world.scan()).filter((i) => i.sk === 'IDENTITY' && i.subject === subject);

/** The browser through our start URL (and the confirmation page in poll mode) and the provider, up to its redirect back to us. */
async function toCallback(started: Started): Promise<{ browser: Browser; callbackUrl: string }> {
  const browser = world.browser();
  const callbackUrl = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, 'unused', { userCode: started.userCode });
  return { browser, callbackUrl };
}

/** Records every session token the broker issues until `restore()`: a commit must issue exactly one. */
function recordSessions() {
  const issued: string[] = [];
  const issue = world.rt.sessions.issue;
  world.rt.sessions.issue = async (session, client) => {
    const token = await issue.call(world.rt.sessions, session, client);
    issued.push(token);
    return token;
  };
  return { issued, restore: () => void (world.rt.sessions.issue = issue) };
}

/** Our callback's answer, read as the browser and (loopback) the agent's listener would, with how long it took. */
async function deliver(browser: Browser, callbackUrl: string) {
  const began = performance.now();
  const response = await browser.request(callbackUrl);
  const ms = Math.round(performance.now() - began);
  expect(response.status).toBe(302);
  return { response, ms, ...readCallbackAnswer(response) };
}

/** A whole connect against the faulty provider in its current mode, claimed. */
async function connectOnce(session: string) {
  const started = await start(world, { flow: 'connect', session });
  const { browser, callbackUrl } = await toCallback(started);
  const delivered = await deliver(browser, callbackUrl);
  const check = await claim(world, started, { result: delivered.arrival?.result });
  return { started, browser, callbackUrl, delivered, check };
}

describe('provider faults at the callback: recorded on the handshake, the SPEC error, nothing written, a usable retry', () => {
  const rows: string[] = [];
  afterAll(() => console.log(`provider faults (bound ${PROVIDER_BOUND_MS} ms):\n  fault          browser    claim                     callback ms  retry\n  ${rows.join('\n  ')}`));

  // The provider's OAuth error code where it sent one; `exchange_failed` where it sent none (unreachable, late, 500, not JSON).
  const cases: [TokenEndpointMode, string][] = [
    ['down', 'exchange_failed'],
    ['slow', 'exchange_failed'],
    ['http500', 'exchange_failed'],
    ['invalid-json', 'exchange_failed'],
    ['invalid_grant', 'invalid_grant'],
  ];
  for (const [mode, providerError] of cases) {
    it(`token endpoint ${mode}: the agent's listener gets error=RAPI-1010 and the error page, the claim USRC-1022 {error: ${providerError}}; a new handshake works`, async () => {
      const { userId, session } = await newUser();
      const before = await accountItems();
      provider.setMode(mode);
      let failed: Awaited<ReturnType<typeof connectOnce>>;
      try {
        failed = await connectOnce(session);
      } finally {
        provider.setMode('ok');
      }
      const { arrival, page } = failed.delivered;
      expect(arrival).toMatchObject({ code: failed.started.code, error: 'RAPI-1010' });
      expect(arrival!.result).toBeUndefined();
      expect(page.pathname).toBe('/web/error');
      expect(Object.fromEntries(page.searchParams)).toEqual({ code: 'RAPI-1010', provider: 'oidc' });
      expect(failed.check).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: providerError } } });
      expect(await accountItems()).toEqual(before);

      const retry = await connectOnce(session);
      expect(retry.delivered.arrival).toMatchObject({ code: retry.started.code, result: expect.any(String) });
      expect(retry.check.status).toBe(200);
      expect(await tokenItems(userId)).toHaveLength(1);
      expect((await world.rt.tokens.get(userId, 'oidc'))?.accessToken).toBe(retry.check.json.accessToken);
      rows.push(`${mode.padEnd(14)} ${arrival!.error!.padEnd(10)} ${`${failed.check.json.code} ${providerError}`.padEnd(25)} ${String(failed.delivered.ms).padStart(11)}  ${retry.check.status}`);
    });
  }

  it('userinfo failing after a good exchange: a connect goes on without the account (logged); a sign-up is USRC-1022 {error: identity_unavailable} and keeps nothing', async () => {
    const { userId, session } = await newUser();
    provider.setUserinfoMode('http500');
    let connected: Awaited<ReturnType<typeof connectOnce>>;
    let signup: { delivered: Awaited<ReturnType<typeof deliver>>; check: Awaited<ReturnType<typeof claim>> };
    const before = await accountItems();
    try {
      connected = await connectOnce(session);
      const person = `no-userinfo-${randomUUID().slice(0, 8)}`;
      provider.signInAs(person);
      const started = await start(world, { flow: 'signup' });
      const { browser, callbackUrl } = await toCallback(started);
      const delivered = await deliver(browser, callbackUrl);
      signup = { delivered, check: await claim(world, started, { result: delivered.arrival?.result }) };
    } finally {
      provider.setUserinfoMode('ok');
    }
    expect(connected.check.status, connected.check.body).toBe(200);
    const stored = (await world.rt.tokens.get(userId, 'oidc'))!;
    expect(stored.accessToken).toBe(connected.check.json.accessToken);
    expect(stored.data.account).toBeUndefined();
    expect(signup.delivered.arrival).toMatchObject({ error: 'USRC-1022' });
    expect(signup.check).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'identity_unavailable' } } });
    // The sign-up created nobody: the one new account item is the profile the connect's token went onto
    // (this test's user was issued a session without a profile).
    expect((await accountItems()).length).toBe(before.length + 1);
  });

  it('a poll-mode sign-up whose exchange hits invalid_grant: the error page, USRC-1022 {error: invalid_grant} to the poller, nobody created; the next sign-up creates the user', async () => {
    const person = `poller-${randomUUID().slice(0, 8)}`;
    provider.signInAs(person);
    provider.setMode('invalid_grant');
    let started: Started;
    let delivered: Awaited<ReturnType<typeof deliver>>;
    try {
      started = await start(world, { flow: 'signup', mode: 'poll' });
      const { browser, callbackUrl } = await toCallback(started);
      delivered = await deliver(browser, callbackUrl);
    } finally {
      provider.setMode('ok');
    }
    expect(delivered.arrival).toBeUndefined();
    expect(verdict(delivered.response)).toBe('RAPI-1010');
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'invalid_grant' } } });
    expect(await identityItems(person)).toHaveLength(0);

    const again = await start(world, { flow: 'signup', mode: 'poll' });
    const { browser, callbackUrl } = await toCallback(again);
    expect((await deliver(browser, callbackUrl)).page.pathname).toBe('/web/auth-complete/oidc');
    expect(await claim(world, again)).toMatchObject({ status: 200, json: { signupStatus: 'userCreated', user: { email: `${person}@example.test` } } });
  });
});

describe('DynamoDB faults', () => {
  it('unreachable before the callback spends the visit → the SRV-1000 page, nothing spent: the same callback in the same browser works once it is back', async () => {
    const { userId, session } = await newUser();
    const started = await start(world, { flow: 'connect', session });
    const { browser, callbackUrl } = await toCallback(started);
    const before = await accountItems();
    const exchanges = provider.counts.token;
    world.dynamoProxy!.down();
    let refused: Awaited<ReturnType<typeof deliver>>;
    try {
      refused = await deliver(browser, callbackUrl);
    } finally {
      world.dynamoProxy!.up();
    }
    expect(verdict(refused.response)).toBe('SRV-1000');
    // The provider's code was not spent on an exchange whose outcome could not be kept.
    expect(provider.counts.token).toBe(exchanges);
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1006', info: { status: 'at-provider' } } });
    expect(await accountItems()).toEqual(before);

    const again = await deliver(browser, callbackUrl);
    expect(again.arrival).toMatchObject({ code: started.code, result: expect.any(String) });
    expect(await claim(world, started, { result: again.arrival!.result })).toMatchObject({ status: 200, json: { provider: 'oidc' } });
    expect(await tokenItems(userId)).toHaveLength(1);
  });

  it('unreachable after the visit is spent (the provider answer cannot be kept) → recorded: the agent hears error=SRV-1000, its claim is final (USRC-1022 server_error), a reload shows the error again, a new handshake works', async () => {
    const { userId, session } = await newUser();
    const started = await start(world, { flow: 'connect', session });
    const { browser, callbackUrl } = await toCallback(started);
    const before = await accountItems();
    world.dynamoProxy!.failWhen((operation, body) => operation === 'UpdateItem' && body.includes('sealedResult'));
    let refused: Awaited<ReturnType<typeof deliver>>;
    try {
      refused = await deliver(browser, callbackUrl);
    } finally {
      world.dynamoProxy!.up();
    }
    expect(world.dynamoProxy!.dropped()).toBeGreaterThan(0);
    // Before, the browser got the error page and the loopback agent heard nothing until it gave up.
    expect(refused.arrival).toMatchObject({ error: 'SRV-1000' });
    expect(refused.arrival!.complete.pathname).toBe('/web/error');
    expect(refused.arrival!.complete.searchParams.get('code')).toBe('SRV-1000');
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: 'oidc', error: 'server_error' } } });
    expect(verdict((await deliver(browser, callbackUrl)).response)).toBe('SRV-1000');
    expect(await accountItems()).toEqual(before);

    const retry = await connectOnce(session);
    expect(retry.check.status).toBe(200);
    expect(await tokenItems(userId)).toHaveLength(1);
  });

  it('when even recording the failure fails, the claim still ends: an exchange older than the callback can run is USRC-1022 server_error', async () => {
    const { session } = await newUser();
    const started = await start(world, { flow: 'connect', session });
    const { browser, callbackUrl } = await toCallback(started);
    world.dynamoProxy!.failWhen((operation, body) => operation === 'UpdateItem' && (body.includes('sealedResult') || body.includes('failureCode')));
    try {
      expect((await deliver(browser, callbackUrl)).arrival).toMatchObject({ error: 'SRV-1000' });
    } finally {
      world.dynamoProxy!.up();
    }
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1006', info: { status: 'at-provider' } } });
    world.clock.offsetMs = 46_000;
    try {
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { error: 'server_error' } } });
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('agent routes answer 503 SRV-1000 JSON without a stack trace while DynamoDB is unreachable, and the same calls work after', async () => {
    const { session } = await newUser();
    const started = await start(world, { flow: 'connect', session });
    const { browser, callbackUrl } = await toCallback(started);
    const { arrival } = await deliver(browser, callbackUrl);
    world.dynamoProxy!.down();
    try {
      const startBody = { provider: 'oidc', flow: 'signup', challenge: challengeOf(createVerifier()), challengeMethod: 'S256' };
      for (const answer of [await claim(world, started, { result: arrival!.result }), await world.call('POST', '/provider-auth-code', { body: startBody })]) {
        expect(answer).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });
        expect(answer.body).not.toMatch(/\n\s+at |\.ts:\d+/);
      }
    } finally {
      world.dynamoProxy!.up();
    }
    expect(await claim(world, started, { result: arrival!.result })).toMatchObject({ status: 200, json: { provider: 'oidc' } });
    expect((await start(world, { flow: 'signup' })).response.status).toBe(200);
  });

  for (const flow of ['connect', 'signup'] as const) {
    it(`a ${flow} claim cut halfway (the token write dropped) → 503 SRV-1000, no token, no session; once its lease has run out the retry commits exactly once`, async () => {
      const person = `halfway-${randomUUID().slice(0, 8)}`;
      provider.signInAs(person);
      const user = flow === 'connect' ? await newUser() : undefined;
      const started = await start(world, { flow, session: user?.session });
      const { browser, callbackUrl } = await toCallback(started);
      const { arrival } = await deliver(browser, callbackUrl);
      const { issued, restore } = recordSessions();
      try {
        world.dynamoProxy!.failWhen((operation, body) => operation === 'UpdateItem' && body.includes('"#token":"TOKEN#'));
        let cut: Awaited<ReturnType<typeof claim>>;
        try {
          cut = await claim(world, started, { result: arrival!.result });
        } finally {
          world.dynamoProxy!.up();
        }
        expect(cut).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });
        const userId = user?.userId ?? ((await identityItems(person))[0]?.userId as string | undefined);
        expect(userId).toBeDefined();
        expect(await tokenItems(userId!)).toHaveLength(0);
        expect(issued).toHaveLength(0);

        // The cut claim still holds its lease (20 s); past it, the same claim takes over and commits.
        world.clock.offsetMs = 21_000;
        let retried: Awaited<ReturnType<typeof claim>>;
        try {
          retried = await claim(world, started, { result: arrival!.result });
        } finally {
          world.clock.offsetMs = 0;
        }
        expect(retried.status, retried.body).toBe(200);
        expect(await claim(world, started, { result: arrival!.result })).toMatchObject({ status: 200, json: retried.json });
        const owner = user?.userId ?? (retried.json.user.id as string);
        expect(await tokenItems(owner)).toHaveLength(1);
        expect(await identityItems(person)).toHaveLength(flow === 'signup' ? 1 : 0);
        expect(issued).toEqual(flow === 'signup' ? [retried.json.accessToken] : []);
      } finally {
        restore();
      }
    });
  }
});

/**
 * moto's server takes one request at a time (local/moto.ts): 110 claims, each polling while the first commits,
 * measure its queue on a busy machine rather than the broker. The dynalite run keeps the full crowd.
 */
const CROWD = process.env.HANDSHAKE_DYNAMODB === 'moto' ? 33 : 110;

describe('races', () => {
  it('two callbacks with one state at once: one goes on to the agent with a result, the other is AUTH-1008; one token after the claim', async () => {
    const { userId, session } = await newUser();
    const started = await start(world, { flow: 'connect', session });
    const { browser, callbackUrl } = await toCallback(started);
    const cookie = browser.cookieHeader(new URL(callbackUrl));
    // The first callback keeps its result 300 ms later than it would, so the second surely arrives while the
    // handshake is exchanging (arriving after, a reload, it would get the success page again: see shownAgain).
    const handshakes = world.rt.handshakes;
    const { complete } = handshakes;
    handshakes.complete = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return complete.apply(handshakes, args);
    };
    let twice;
    try {
      twice = await Promise.all([0, 1].map(() => world.browser().request(callbackUrl, { headers: { cookie } })));
    } finally {
      handshakes.complete = complete;
    }
    const answers = twice.map((response) => readCallbackAnswer(response));
    const outcomes = answers.map(({ arrival }, i) => (arrival?.result ? 'result' : verdict(twice[i]!))).sort();
    expect(outcomes).toEqual(['AUTH-1008', 'result']);
    const result = answers.find((a) => a.arrival?.result)!.arrival!.result;
    expect((await claim(world, started, { result })).status).toBe(200);
    expect(await tokenItems(userId)).toHaveLength(1);
  });

  it('two browser visits of one code at once: one leaves for the provider, the other is AUTH-1008', async () => {
    const { session } = await newUser();
    const started = await start(world, { flow: 'connect', session });
    const visits = await Promise.all([0, 1].map(() => world.browser().request(started.url)));
    const outcomes = visits.map((visit) => (locationOf(visit).origin === provider.issuer ? 'provider' : verdict(visit))).sort();
    expect(outcomes).toEqual(['AUTH-1008', 'provider']);
  });

  it(`${CROWD} concurrent claims of one ready sign-up with the right proof: all 200 with the same answer, one user, one session; wrong verifiers among them AUTH-1002`, async () => {
    const person = `crowd-${randomUUID().slice(0, 8)}`;
    provider.signInAs(person);
    const started = await start(world, { flow: 'signup' });
    const { browser, callbackUrl } = await toCallback(started);
    const { arrival } = await deliver(browser, callbackUrl);
    const { issued, restore } = recordSessions();
    let claims: { right: boolean; answer: Awaited<ReturnType<typeof claim>> }[];
    try {
      claims = await Promise.all(
        Array.from({ length: CROWD }, async (_, i) => {
          // Every eleventh claim brings a verifier of its own: the result is right, the proof is not.
          const right = i % 11 !== 5;
          return { right, answer: await claim(world, started, { result: arrival!.result, ...(right ? {} : { verifier: createVerifier() }) }) };
        }),
      );
    } finally {
      restore();
    }
    const byOutcome: Record<string, number> = {};
    for (const { right, answer } of claims) {
      const key = `${right ? 'right' : 'wrong'} verifier → ${answer.status === 200 ? '200' : answer.json?.code}`;
      byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    }
    console.log(`${CROWD} concurrent claims of one sign-up: ${JSON.stringify(byOutcome)}`);
    expect(byOutcome).toEqual({ 'right verifier → 200': (CROWD / 11) * 10, 'wrong verifier → AUTH-1002': CROWD / 11 });

    const answers = claims.filter((c) => c.right).map((c) => c.answer.json);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
    expect(issued).toEqual([answers[0].accessToken]);
    expect(answers[0]).toMatchObject({ signupStatus: 'userCreated', user: { email: `${person}@example.test` } });
    const identities = await identityItems(person);
    expect(identities).toHaveLength(1);
    expect(identities[0]!.userId).toBe(answers[0].user.id);
    expect((await world.scan()).filter((i) => i.sk === 'PROFILE' && i.email === `${person}@example.test`)).toHaveLength(1);
    expect(await tokenItems(answers[0].user.id)).toHaveLength(1);
  });
});
