import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWorld, type World } from '../support/world';
import { AGENT_LOOPBACK, claim, runBrowser, signUp, start, type Started } from '../support/flows';
import { challengeOf, createVerifier } from '../../client/verifier';
import { dispatchHttp } from '../../local/dispatch';
import { API_ROUTES } from '../../shared/http/api-routes';
import { ERROR_CODES } from '../../shared/errors';

/** Requests per route; with every route of API_ROUTES this is well over 10,000 in total. */
const RUNS_PER_ROUTE = 1_300;

let world: World;
let session: string;
let userId: string;
let validState: string;
/** A poll-mode handshake waiting on its confirmation page: fuzzed visits and form posts meet a live record. */
let pollCode: string;
/** Its page's CSRF field and this browser's CSRF cookie, so that some fuzzed form posts get as far as the user code. */
let csrf: { field: string; cookie: string };
const validChallenge = challengeOf(createVerifier());
beforeAll(async () => {
  world = await createWorld();
  const signup = await signUp(world, 'fuzz');
  session = signup.session;
  userId = signup.check.json.user.id;
  validState = new URL(signup.run.callbackUrl).searchParams.get('state')!;
  const poll = await start(world, { flow: 'signup', mode: 'poll' });
  pollCode = poll.code;
  const browser = world.browser();
  const page = await browser.request(poll.url);
  csrf = { field: /name="csrf" value="([^"]*)"/.exec(page.body)![1]!, cookie: browser.cookies.find((c) => c.name === 'hs_csrf')!.value };
});
afterAll(() => world.close());

/** 32 random bytes in base64url: the shape of a handshake code, a verifier or a result. */
const random43 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', '..', '../..', '%2e%2e', '\r\nSet-Cookie: x=1', '<script>alert(1)</script>', 'test!', 'test!a.b.c.d.e', '!', 'null', '{}', '[]', 'https://evil.example', '//evil.example', 'javascript:alert(1)', '\u0000', '💥', '\u202e', 'BCDF-GHJK'),
  fc.string({ minLength: 2000, maxLength: 6000 }),
  fc.uuid(),
  random43,
);
/** Values resolved when a request is made (after beforeAll): the live poll code and the genuine state. */
const live = (get: () => string) => fc.constant(null).map(get);
const providerId = fc.oneof(fc.constantFrom('oidc', 'demo', 'github', 'okta', 'gitlab', 'trello', 'nosuch', 'OIDC', 'oidc%00', '..'), nasty);
// The names our routes read come up more often than the others.
const queryNames = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('code', 'state') },
  { weight: 2, arbitrary: fc.constantFrom('host', 'error', 'error_description', 'provider', 'userCode', 'csrf', 'result', 'complete', 'reason', 's', 'signupToken', 'x') },
);
const queryPair = fc.tuple(queryNames, fc.oneof(nasty, live(() => validState), live(() => pollCode), fc.uuid()));
// Mostly distinct names (so requests get past "parameter repeated"), sometimes repeats on purpose.
const query = fc.oneof(
  { weight: 4, arbitrary: fc.uniqueArray(queryPair, { maxLength: 6, selector: ([name]) => name }) },
  { weight: 1, arbitrary: fc.array(queryPair, { maxLength: 6 }) },
);
const headers = fc.record(
  {
    authorization: fc.oneof(nasty, fc.constant('Bearer '), live(() => `Bearer ${session}`), nasty.map((s) => `Bearer ${s}`)),
    cookie: fc.oneof(nasty, nasty.map((s) => `hs_bind_abc=${s}`), nasty.map((s) => `hs_csrf=${s}`), live(() => `hs_csrf=${csrf.cookie}`), fc.constant('a=b; a=c; ;;=;')),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', ''),
    origin: fc.oneof(fc.constantFrom('null', 'http://localhost:3999', 'https://evil.example'), nasty),
  },
  { requiredKeys: [] },
);
/** Any JSON-ish value a field may be given instead of the right one. */
const wrongValue = fc.oneof(nasty, fc.integer(), fc.constant(null), fc.boolean(), fc.array(nasty, { maxLength: 2 }), fc.dictionary(nasty, nasty, { maxKeys: 2 }));
/** Mostly the right kind of value, sometimes anything else. */
const mostly = <T>(right: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: wrongValue });
const startFields = {
  provider: mostly(fc.constantFrom('oidc', 'demo', 'github', 'okta', 'trello', 'nosuch')),
  flow: mostly(fc.constantFrom('connect', 'signup')),
  host: mostly(fc.constantFrom('acme.okta.com', 'https://acme.okta.com', 'https://evil.example')),
  challenge: mostly(fc.constant(validChallenge)),
  challengeMethod: mostly(fc.constantFrom('S256', 'S256', 'S256', 'plain')),
  redirectUri: mostly(fc.constantFrom(AGENT_LOOPBACK, 'http://[::1]:9/agent', 'http://localhost:9/agent', 'http://127.0.0.1:9/a?x=1', 'http://127.1:9/a')),
  client: mostly(fc.record({ name: mostly(fc.constantFrom('VS Code', 'JetBrains')), device: mostly(fc.constant('laptop')) }, { requiredKeys: [] })),
};
/** `POST /provider-auth-code` bodies: with every required field (right or wrong), or with any missing. */
const wellFormedStart = fc.record(
  {
    provider: fc.constantFrom('oidc', 'demo', 'github', 'okta', 'trello', 'nosuch'),
    flow: fc.constantFrom('connect', 'signup'),
    host: fc.constantFrom('acme.okta.com', 'https://acme.okta.com', 'https://evil.example'),
    challenge: fc.constant(validChallenge),
    challengeMethod: fc.constant('S256'),
    redirectUri: fc.constantFrom(AGENT_LOOPBACK, 'http://[::1]:9/agent'),
    client: fc.record({ name: fc.constantFrom('VS Code', 'JetBrains'), device: fc.constant('laptop') }, { requiredKeys: [] }),
  },
  { requiredKeys: ['provider', 'flow', 'challenge', 'challengeMethod'] },
);
const startBody = fc.oneof(
  { weight: 2, arbitrary: wellFormedStart },
  { weight: 2, arbitrary: fc.record(startFields, { requiredKeys: ['provider', 'flow', 'challenge', 'challengeMethod'] }) },
  { weight: 1, arbitrary: fc.record(startFields, { requiredKeys: [] }) },
);
/** `PUT /no-auth/check-signup` bodies. */
const claimBody = fc.record(
  {
    code: mostly(fc.oneof(live(() => pollCode), random43)),
    verifier: mostly(fc.constant(null).map(() => createVerifier())),
    result: mostly(random43),
    token: fc.oneof(fc.uuid(), wrongValue),
  },
  { requiredKeys: [] },
);
/** The confirmation form of `POST /web/provider-auth/{provider}`. */
const formBody = fc
  .record(
    { code: fc.oneof(live(() => pollCode), nasty), csrf: fc.oneof(live(() => csrf.field), nasty), userCode: fc.oneof(fc.constantFrom('BCDF-GHJK', 'bcdfghjk', ''), nasty) },
    { requiredKeys: [] },
  )
  .map((fields) => new URLSearchParams(fields as Record<string, string>).toString());
const anyBody = fc.oneof(fc.constant(undefined), nasty, fc.json(), startBody.map((o) => JSON.stringify(o)), claimBody.map((o) => JSON.stringify(o)), formBody);
/** Any body, and more often the kind the route reads. */
function bodyFor(route: (typeof API_ROUTES)[number]): fc.Arbitrary<string | undefined> {
  const own =
    route.path === '/provider-auth-code'
      ? startBody.map((o) => JSON.stringify(o))
      : route.path === '/no-auth/check-signup'
        ? claimBody.map((o) => JSON.stringify(o))
        : route.method === 'POST' && route.path === '/web/provider-auth/{provider}'
          ? formBody
          : undefined;
  return own ? fc.oneof({ weight: 3, arbitrary: own }, { weight: 2, arbitrary: anyBody }) : anyBody;
}


describe(`fuzzing every route (${API_ROUTES.length} routes × ${RUNS_PER_ROUTE} requests)`, () => {
  const counts: { route: string; requests: number; byOutcome: Record<string, number> }[] = [];
  afterAll(() => {
    const total = counts.reduce((n, c) => n + c.requests, 0);
    console.log(`fuzzing: ${total} generated requests, 0 5xx, 0 stack traces, every error a SPEC code, security headers on every answer\n${counts.map((c) => `  ${c.route.padEnd(42)} ${String(c.requests).padStart(5)}  ${Object.entries(c.byOutcome).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' ')}`).join('\n')}`);
  });

  for (const route of API_ROUTES) {
    it(`${route.method} ${route.path}: no 5xx, no stack trace, every error a SPEC code, the security headers`, async () => {
      const byOutcome: Record<string, number> = {};
      let requests = 0;
      await fc.assert(
        fc.asyncProperty(providerId, query, headers, bodyFor(route), async (provider, pairs, hdrs, payload) => {
          const path = route.path.replace('{provider}', encodeURIComponent(provider));
          const search = new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v]));
          const sentHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(hdrs)) sentHeaders[name] = String(value).replace(/[\r\n\0]/g, ' ');
          const result = await dispatchHttp({
            method: route.method,
            url: `${path}${search.size ? `?${search}` : ''}`,
            headers: sentHeaders,
            body: payload === undefined ? undefined : Buffer.from(String(payload)),
          });
          requests++;
          // A fuzzed sign-out with the live session ends it: the next runs get a new one of the same user.
          if (route.handler === 'sign-out' && result.status === 200) session = await world.rt.sessions.issue({ userId });
          expect(result.status, `${route.path} ${result.body.slice(0, 200)}`).toBeLessThan(500);
          expect(result.body).not.toMatch(/\n\s+at\s|Error:\s|\.ts:\d+/);
          let outcome: string;
          if (result.status === 404 && result.body === '{"message":"Not Found"}') {
            // No route matched (a provider segment like `..` or `a/b` changes the path): API Gateway's own 404.
            byOutcome['no route (404)'] = (byOutcome['no route (404)'] ?? 0) + 1;
            return;
          }
          // Every answer of ours may carry a token, a code or a state: never cached, never sent on as Referer, never sniffed.
          expect(result.headers['cache-control']).toBe('no-store');
          expect(result.headers['referrer-policy']).toBe('no-referrer');
          expect(result.headers['x-content-type-options']).toBe('nosniff');
          if (result.status === 302) {
            const location = new URL(result.headers.location!, 'http://base.invalid');
            if (location.pathname === '/web/error') {
              outcome = location.searchParams.get('code')!;
              expect(Object.keys(ERROR_CODES)).toContain(outcome);
            } else {
              outcome = `302 ${location.origin === world.provider.issuer ? 'provider' : location.pathname.split('/').slice(0, 3).join('/')}`;
              expect([world.provider.issuer, 'https://acme.okta.com', 'http://localhost:3999']).toContain(location.origin);
            }
          } else if (result.headers['content-type']?.startsWith('application/json')) {
            const json = JSON.parse(result.body);
            outcome = result.status === 200 ? '200' : json.code;
            if (result.status !== 200) expect(Object.keys(ERROR_CODES)).toContain(json.code);
          } else {
            outcome = `${result.status} ${result.headers['content-type']?.split(';')[0]}`;
            expect(result.headers['content-security-policy']).toContain("default-src 'none'");
            expect(result.headers['content-security-policy']).toContain("frame-ancestors 'none'");
            expect(result.headers['x-frame-options']).toBe('DENY');
            expect(result.status === 200 || result.status === 404).toBe(true);
          }
          byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
        }),
        { numRuns: RUNS_PER_ROUTE, seed: 20261128, endOnFailure: true },
      );
      counts.push({ route: `${route.method} ${route.path}`, requests, byOutcome });
    }, 180_000);
  }

  it('a fuzzed claim never hands out a handshake it was not given the verifier of; the genuine claims still succeed afterwards', async () => {
    // A finished sign-up and a finished connect wait to be claimed while the guesses come in: none may take them.
    const signup = await start(world, { flow: 'signup' });
    const signupRun = await runBrowser(world, signup.url, 'fuzz-pending');
    const connect = await start(world, { flow: 'connect', session });
    const connectRun = await runBrowser(world, connect.url, 'fuzz-connected');
    const ready: { started: Started; result: string }[] = [
      { started: signup, result: signupRun.arrival!.result! },
      { started: connect, result: connectRun.arrival!.result! },
    ];
    const genuineVerifiers = new Set(ready.map((r) => r.started.verifier));
    /** The genuine verifier with one character changed. */
    const nearMiss = (verifier: string) => fc.nat({ max: verifier.length - 1 }).map((i) => `${verifier.slice(0, i)}${verifier[i] === 'A' ? 'B' : 'A'}${verifier.slice(i + 1)}`);
    const byOutcome: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1).chain((which) =>
          fc.record({
            which: fc.constant(which),
            code: fc.oneof(fc.constant(ready[which]!.started.code), fc.constant(ready[1 - which]!.started.code), random43, nasty),
            verifier: fc.oneof(nearMiss(ready[which]!.started.verifier), fc.constant(ready[1 - which]!.started.verifier), fc.constant(null).map(() => createVerifier()), nasty),
            result: fc.option(fc.oneof(fc.constant(ready[which]!.result), fc.constant(ready[1 - which]!.result), random43, nasty)),
            bearer: fc.boolean(),
          }),
        ),
        async ({ which, code, verifier, result, bearer }) => {
          // The other handshake's verifier with its own code is the genuine claim of that one, not a guess.
          fc.pre(!(genuineVerifiers.has(verifier) && ready.some((r) => r.started.code === code && r.started.verifier === verifier)));
          const answer = await world.call('PUT', '/no-auth/check-signup', {
            headers: bearer ? { authorization: `Bearer ${session}` } : {},
            body: { code, verifier, ...(result === null ? {} : { result }) },
          });
          const key = answer.status === 200 ? '200' : `${answer.status} ${answer.json?.code}`;
          byOutcome[key] = (byOutcome[key] ?? 0) + 1;
          expect(answer.status, `${which} ${answer.body.slice(0, 200)}`).not.toBe(200);
          expect(answer.body).not.toContain('accessToken');
        },
      ),
      { numRuns: 400, seed: 1 },
    );
    console.log(`fuzzed claims of two ready handshakes: ${Object.entries(byOutcome).map(([k, v]) => `${k}:${v}`).join(' ')}`);
    expect(await claim(world, signup, { result: ready[0]!.result })).toMatchObject({ status: 200, json: { signupStatus: 'userCreated', user: { username: 'fuzz-pending' } } });
    expect(await claim(world, connect, { result: ready[1]!.result })).toMatchObject({ status: 200, json: { provider: 'oidc', data: { username: 'fuzz-connected' } } });
  });
});
