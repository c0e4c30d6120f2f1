import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeChannelListener } from '../../local/me-channel-listener';
import { randomToken } from '../../shared/crypto/random';
import { submitUserCode, type BrowserResponse } from '../../local/scripted-browser';
import { createWorld, PUBLIC_API_URL, type World } from '../support/world';
import { claim, locationOf, runBrowser, signUp, start, verdict } from '../support/flows';
import { recordCommands } from '../support/dynamo-commands';
import { writesToken } from '../support/table-tokens';

/**
 * SPEC v2, "The binding rule", attacked at the account level: two people, each with their own browser (cookie
 * jar) and their own agent. The attacker starts a handshake and gets the victim to complete it; a forwarded
 * link, a replay, a race and a half-finished handshake must never put a credential in the wrong hands.
 */
let world: World;
let victim: { session: string; userId: string };
let attacker: { session: string; userId: string };
let commands: ReturnType<typeof recordCommands>;

/** The attacker's own machine: the loopback listener the victim's browser is sent to is not there. */
const ATTACKER_LOOPBACK = 'http://127.0.0.1:45678/attacker-agent';
const outcomes: { attack: string; outcome: string }[] = [];
const note = (attack: string, outcome: string) => outcomes.push({ attack, outcome });
const codeOf = (answer: { status: number; json: any }) => (answer.status === 200 ? '200' : `${answer.status} ${answer.json?.code}`);
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  world = await createWorld({
    meChannel: true,
    settings: (issuer) => ({
      oidc: { issuer, clientId: 'handshake-test', clientSecret: 'oidc-client-secret-never-logged' },
      trello: { clientId: 'trello-key' },
      youtrack: { hosts: { 'https://youtrack.acme.test': { clientId: 'youtrack-client' } } },
    }),
  });
  commands = recordCommands(world.rt.table.client);
  const v = await signUp(world, 'victim');
  const a = await signUp(world, 'attacker');
  victim = { session: v.session, userId: v.check.json.user.id };
  attacker = { session: a.session, userId: a.check.json.user.id };
});
afterAll(async () => {
  console.log(`account-level attacks and what they got:\n${outcomes.map((o) => `  ${o.attack.padEnd(78)} ${o.outcome}`).join('\n')}`);
  await world.close();
});

const tokenOf = (userId: string) => world.rt.tokens.get(userId, 'oidc');
/** A PutItem of a provider token. */

/** A user code of the right shape that is not `actual`. */
function wrongCode(actual: string): string {
  for (;;) {
    const guess = [...randomToken(16)].filter((c) => 'BCDFGHJKLMNPQRSTVWXZ'.includes(c.toUpperCase())).slice(0, 8).join('').toUpperCase();
    if (guess.length === 8 && guess !== actual.replace('-', '')) return `${guess.slice(0, 4)}-${guess.slice(4)}`;
  }
}

describe('sign-up phishing', () => {
  it('loopback: the victim completes the attacker’s link in their own browser; no claim of the attacker succeeds, no session is issued', async () => {
    const victimTokenBefore = await tokenOf(victim.userId);
    const attack = await start(world, { flow: 'signup', redirectUri: ATTACKER_LOOPBACK });
    const victimBrowser = world.browser();
    const run = await runBrowser(world, attack.url, 'victim', { browser: victimBrowser });

    // The one-time result goes to 127.0.0.1 of the machine the browser runs on: the victim's, not the attacker's.
    expect(locationOf(run.callback).origin).toBe('http://127.0.0.1:45678');
    expect(run.arrival?.result).toMatch(/^[\w-]{43}$/);

    const own = await start(world, { flow: 'signup', redirectUri: ATTACKER_LOOPBACK });
    const ownRun = await runBrowser(world, own.url, 'attacker');
    const attempts = {
      'verifier, no result': await claim(world, attack),
      'verifier, a guessed result': await claim(world, attack, { result: randomToken(32) }),
      "verifier, the result of the attacker's own handshake": await claim(world, attack, { result: ownRun.arrival!.result }),
      'verifier, the attacker’s own session as Bearer': await claim(world, attack, { session: attacker.session }),
    };
    for (const [how, answer] of Object.entries(attempts)) {
      note(`sign-up phishing, loopback: attacker claims with ${how}`, codeOf(answer));
      expect(answer, how).toMatchObject({ status: 403, json: { code: 'AUTH-1002' } });
      expect(answer.body).not.toContain('accessToken');
    }
    // Nothing was committed: the victim's account is as it was, and the handshake expires unclaimed.
    expect(await tokenOf(victim.userId)).toEqual(victimTokenBefore);
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      expect(await claim(world, attack)).toMatchObject({ status: 403, json: { code: 'AUTH-1005' } });
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('poll: the victim’s browser cannot reach the provider without the user code shown to the attacker’s IDE; 5 wrong codes end it', async () => {
    const attack = await start(world, { flow: 'signup', mode: 'poll', client: { name: 'VS Code' } });
    const victimBrowser = world.browser();
    let page: BrowserResponse = await victimBrowser.request(attack.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign in to VS Code with OpenID Connect?');
    expect(page.body).toContain('If you did not start this in your own IDE just now, close this page');

    for (let attempt = 1; attempt <= 4; attempt++) {
      page = await submitUserCode(victimBrowser, page, wrongCode(attack.userCode!));
      expect(page.status).toBe(200);
      expect(page.body).toContain(`${5 - attempt} ${5 - attempt === 1 ? 'attempt' : 'attempts'} left`);
    }
    const fifth = await victimBrowser.request(`${PUBLIC_API_URL}/web/provider-auth/oidc`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ code: attack.code, csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]!, userCode: wrongCode(attack.userCode!) }).toString(),
    });
    expect(verdict(fifth)).toBe('AUTH-1010');
    expect(victimBrowser.visited.some((url) => url.startsWith(world.provider.issuer))).toBe(false);

    // Now even the right code is refused, and the attacker's agent learns it failed.
    expect(verdict(await victimBrowser.request(attack.url))).toBe('AUTH-1010');
    const answer = await claim(world, attack);
    note('sign-up phishing, poll: victim guesses 5 codes, then the attacker claims', codeOf(answer));
    expect(answer).toMatchObject({ status: 403, json: { code: 'AUTH-1010' } });
  });

  it('poll: a post of the user code from another site (CSRF) is refused before the code is looked at', async () => {
    const attack = await start(world, { flow: 'signup', mode: 'poll' });
    const victimBrowser = world.browser();
    const page = await victimBrowser.request(attack.url);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (headers: Record<string, string>, fields: Record<string, string>) =>
      victimBrowser.request(`${PUBLIC_API_URL}/web/provider-auth/oidc`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
    const rows = {
      'cross-site post with the right code and field': await post({ 'sec-fetch-site': 'cross-site' }, { code: attack.code, csrf, userCode: attack.userCode! }),
      'post from another origin': await post({ origin: 'https://evil.example' }, { code: attack.code, csrf, userCode: attack.userCode! }),
      'post without the CSRF field': await post({}, { code: attack.code, userCode: attack.userCode! }),
      'another browser (no CSRF cookie) with a copied field': await world.browser().request(`${PUBLIC_API_URL}/web/provider-auth/oidc`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code: attack.code, csrf, userCode: attack.userCode! }).toString(),
      }),
    };
    for (const [how, response] of Object.entries(rows)) {
      note(`user-code CSRF: ${how}`, verdict(response));
      expect(verdict(response), how).toBe('AUTH-1007');
    }
    // None of them counted as a try, and the genuine form still works.
    const ok = await submitUserCode(victimBrowser, page, attack.userCode!, () => true);
    expect(ok.status).toBe(302);
    expect(locationOf(ok).origin).toBe(world.provider.issuer);
  });
});

describe('connect forwarding', () => {
  it('loopback: the victim’s provider token never lands in, nor is pushed to, the attacker’s account', async () => {
    const attackerChannel = await MeChannelListener.open(world.ws!.url, attacker.session);
    const victimChannel = await MeChannelListener.open(world.ws!.url, victim.session);
    try {
      const attackerTokenBefore = await tokenOf(attacker.userId);
      const attack = await start(world, { flow: 'connect', session: attacker.session, redirectUri: ATTACKER_LOOPBACK });
      const run = await runBrowser(world, attack.url, 'victim', { browser: world.browser() });
      // The victim is told where their account went: the attacker's account, by name.
      const page = await world.browser().request(run.arrival!.complete.toString());
      expect(page.body).toContain('Connected OpenID Connect as @victim to attacker@example.test');

      for (const [how, answer] of Object.entries({
        'its session and verifier, no result': await claim(world, attack),
        'its session and verifier, a guessed result': await claim(world, attack, { result: randomToken(32) }),
      })) {
        note(`connect forwarding, loopback: attacker claims with ${how}`, codeOf(answer));
        expect(answer, how).toMatchObject({ status: 403, json: { code: 'AUTH-1002' } });
      }
      expect(await tokenOf(attacker.userId)).toEqual(attackerTokenBefore);
      await settle();
      expect(attackerChannel.received).toEqual([]);
      expect(victimChannel.received).toEqual([]);
    } finally {
      attackerChannel.close();
      victimChannel.close();
    }
  });

  it('poll: the confirmation page in the victim’s browser names the attacker’s account', async () => {
    const attack = await start(world, { flow: 'connect', session: attacker.session, mode: 'poll', client: { name: 'VS Code' } });
    const page = await world.browser().request(attack.url);
    expect(page.body).toContain('Connect OpenID Connect to attacker@example.test in VS Code?');
    expect(page.body).toContain('VS Code asked to connect your OpenID Connect account to attacker@example.test.');
    note('connect forwarding, poll: what the victim sees', 'page names attacker@example.test');
  });
});

describe('replays and races', () => {
  it('a second visit of a started code, in any browser, at the same moment or later: AUTH-1008', async () => {
    const attack = await start(world, { flow: 'connect', session: attacker.session });
    const [first, second] = await Promise.all([world.browser().request(attack.url), world.browser().request(attack.url)]);
    const verdicts = [first, second].map((r) => (locationOf(r).origin === world.provider.issuer ? 'to provider' : verdict(r))).sort();
    note('two browsers open one link at once', verdicts.join(', '));
    expect(verdicts).toEqual(['AUTH-1008', 'to provider']);
    expect(verdict(await world.browser().request(attack.url))).toBe('AUTH-1008');
  });

  it('a wrong verifier is AUTH-1002 in every state; another user’s Bearer is AUTH-1002; no Bearer on a connect is AUTH-1001', async () => {
    const started = await start(world, { flow: 'connect', session: victim.session });
    const wrong = () => claim(world, started, { verifier: randomToken(32) });
    const states: Record<string, string> = {};
    states.created = codeOf(await wrong());
    const browser = world.browser();
    const leave = await browser.request(started.url);
    states['at provider'] = codeOf(await wrong());
    const { authorizeAtProvider } = await import('../../local/scripted-browser');
    const callback = await browser.request(await authorizeAtProvider(browser, locationOf(leave).toString(), `${PUBLIC_API_URL}/no-auth/provider-token/`, 'victim'));
    const result = new URL(callback.headers.get('location')!).searchParams.get('result')!;
    states.ready = codeOf(await wrong());
    const foreign = await claim(world, started, { result, session: attacker.session });
    const none = await claim(world, started, { result, session: null });
    const genuine = await claim(world, started, { result });
    expect(genuine.status).toBe(200);
    states.claimed = codeOf(await claim(world, started, { result, verifier: randomToken(32) }));
    for (const [state, outcome] of Object.entries(states)) {
      note(`claim with a wrong verifier, handshake ${state}`, outcome);
      expect(outcome, state).toBe('403 AUTH-1002');
    }
    note("connect claim with another user's Bearer (right verifier and result)", codeOf(foreign));
    expect(codeOf(foreign)).toBe('403 AUTH-1002');
    note('connect claim without a Bearer (right verifier and result)', codeOf(none));
    expect(codeOf(none)).toBe('401 AUTH-1001');
  });

  it('the same claim answers the same for 120 s, then AUTH-1008; a reload of the callback commits nothing again', async () => {
    const started = await start(world, { flow: 'connect', session: victim.session });
    const run = await runBrowser(world, started.url, 'victim');
    const first = await claim(world, started, { result: run.arrival!.result });
    expect(first.status).toBe(200);
    commands.take();
    const reload = await run.browser.request(run.callbackUrl);
    expect(locationOf(reload).pathname).toBe('/web/auth-complete/oidc');
    expect(commands.take().commands.filter(writesToken)).toEqual([]);

    world.clock.offsetMs = 119_000;
    try {
      expect(await claim(world, started, { result: run.arrival!.result })).toMatchObject({ status: 200, json: first.json });
      world.clock.offsetMs = 121_000;
      const late = await claim(world, started, { result: run.arrival!.result });
      note('the same claim 121 s after the first', codeOf(late));
      expect(late).toMatchObject({ status: 403, json: { code: 'AUTH-1008' } });
    } finally {
      world.clock.offsetMs = 0;
    }
  });

  it('100 concurrent claims of one connect: one commit, one push, every correct claim the same answer', async () => {
    const channel = await MeChannelListener.open(world.ws!.url, victim.session);
    try {
      const started = await start(world, { flow: 'connect', session: victim.session });
      const run = await runBrowser(world, started.url, 'victim');
      commands.take();
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? claim(world, started, { result: run.arrival!.result, verifier: randomToken(32) }) : claim(world, started, { result: run.arrival!.result }))),
      );
      const correct = answers.filter((_, i) => i % 10 !== 9);
      const tokenWrites = commands.take().commands.filter(writesToken);
      await settle();
      const pushes = channel.received.filter((m) => m.message.user.$set?.['providerInfo.oidc.accessToken']);
      note('100 concurrent claims (10 with a wrong verifier)', `${correct.filter((a) => a.status === 200).length} × 200 identical, ${answers.length - correct.length} × AUTH-1002, ${tokenWrites.length} token write, ${pushes.length} push`);
      expect(new Set(correct.map((a) => a.body)).size).toBe(1);
      expect(correct.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((_, i) => i % 10 === 9).every((a) => a.json.code === 'AUTH-1002')).toBe(true);
      expect(tokenWrites).toHaveLength(1);
      expect(pushes).toHaveLength(1);
      expect(pushes[0]!.message.user.$set!['providerInfo.oidc.accessToken']).toBe(correct[0]!.json.accessToken);
    } finally {
      channel.close();
    }
  });

  it('100 concurrent claims of one sign-up: one session, one user, the same answer for all', async () => {
    const started = await start(world, { flow: 'signup' });
    const run = await runBrowser(world, started.url, 'racer');
    const answers = await Promise.all(Array.from({ length: 100 }, () => claim(world, started, { result: run.arrival!.result })));
    const sessions = new Set(answers.map((a) => a.json.accessToken));
    const identities = (await world.scan()).filter((i) => i.sk === 'IDENTITY' && String(i.subject).startsWith('racer'));
    note('100 concurrent claims of one sign-up', `${answers.filter((a) => a.status === 200).length} × 200, ${sessions.size} session, ${identities.length} identity`);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(sessions.size).toBe(1);
    expect(identities).toHaveLength(1);
  });

  it('a half-finished handshake: pending while at the provider, expired after 10 minutes, and its late callback refused', async () => {
    const started = await start(world, { flow: 'signup' });
    const browser = world.browser();
    const leave = await browser.request(started.url);
    expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1006', info: { status: 'at-provider' } } });
    const { authorizeAtProvider } = await import('../../local/scripted-browser');
    const callbackUrl = await authorizeAtProvider(browser, locationOf(leave).toString(), `${PUBLIC_API_URL}/no-auth/provider-token/`, 'slowpoke');
    world.clock.offsetMs = 10 * 60_000 + 1_000;
    try {
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'AUTH-1005' } });
      const late = await browser.request(callbackUrl);
      note('the callback of a half-finished handshake, 10 min later', verdict(late));
      expect(verdict(late)).toBe('AUTH-1005');
    } finally {
      world.clock.offsetMs = 0;
    }
  });
});

describe('what a start refuses', () => {
  const startBody = (extra: Record<string, unknown>) => ({ provider: 'oidc', flow: 'signup', challenge: 'c'.repeat(43), challengeMethod: 'S256', ...extra });
  const handshakes = async () => (await world.scan()).filter((i) => String(i.pk).startsWith('HANDSHAKE#')).length;

  it('refuses sign-up with the providers that return tokens in the URL fragment (USRC-1023), and writes nothing', async () => {
    const before = await handshakes();
    for (const [provider, host] of [['trello', undefined], ['youtrack', 'https://youtrack.acme.test']] as const) {
      const answer = await world.call('POST', '/provider-auth-code', { body: startBody({ provider, ...(host ? { host } : {}), redirectUri: 'http://127.0.0.1:9/agent' }) });
      note(`sign-up with ${provider}`, codeOf(answer));
      expect(answer).toMatchObject({ status: 403, json: { code: 'USRC-1023', info: { provider } } });
      const connect = await world.call('POST', '/provider-auth-code', { headers: { authorization: `Bearer ${victim.session}` }, body: startBody({ provider, flow: 'connect', ...(host ? { host } : {}) }) });
      expect(connect.status, `connect with ${provider}`).toBe(200);
    }
    expect(await handshakes()).toBe(before + 2);
  });

  it('refuses every redirectUri but http://127.0.0.1:<port>/… and http://[::1]:<port>/… (RAPI-1002), and redirects nowhere', async () => {
    const refused = [
      'http://localhost:1234/cb',
      'http://127.0.0.1.evil.com/cb',
      'http://127.0.0.1.evil.com:1234/cb',
      'http://127.0.0.1@evil.com/cb',
      'http://127.0.0.1:1234@evil.com/cb',
      'http://user:pass@127.0.0.1:1234/cb',
      'http://[::1]@evil.com/cb',
      'http://127.0.0.1:1234/cb?next=https://evil.com',
      'http://127.0.0.1:1234/cb#fragment',
      'https://evil.com/cb',
      'https://127.0.0.1:1234/cb',
      'http://127.0.0.1/cb',
      'http://127.1:1234/cb',
      'http://0x7f.0.0.1:1234/cb',
      'http://2130706433:1234/cb',
      'http://127.0.0.2:1234/cb',
      'http://[::ffff:127.0.0.1]:1234/cb',
      'http://127.0.0.1:0/cb',
      'http://127.0.0.1:65536/cb',
      'http://127.0.0.1:01234/cb',
      'http://127.0.0.1:1234\\@evil.com/cb',
      'HTTP://127.0.0.1:1234/cb',
      '//127.0.0.1:1234/cb',
      'javascript:alert(1)//127.0.0.1:1234/',
      '',
      42,
      null,
    ];
    const before = await handshakes();
    for (const redirectUri of refused) {
      const answer = await world.call('POST', '/provider-auth-code', { body: startBody({ redirectUri }) });
      note(`redirectUri ${JSON.stringify(redirectUri)}`, codeOf(answer));
      expect(answer, String(redirectUri)).toMatchObject({ status: 400, json: { code: 'RAPI-1002' } });
      expect(answer.headers.location).toBeUndefined();
    }
    expect(await handshakes()).toBe(before);
    for (const redirectUri of ['http://127.0.0.1:1234/cb', 'http://[::1]:1234/cb', 'http://127.0.0.1:65535']) {
      expect((await world.call('POST', '/provider-auth-code', { body: startBody({ redirectUri }) })).status, redirectUri).toBe(200);
    }
  });
});
