import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createWorld, type World } from '../support/world';
import { locationOf, runBrowser, signUp } from '../support/flows';
import { dispatchHttp } from '../../local/dispatch';
import { API_ROUTES } from '../../shared/http/api-routes';
import { ERROR_CODES } from '../../shared/errors';

/** Requests per route; with every route of API_ROUTES this is well over 10,000 in total. */
const RUNS_PER_ROUTE = 1_300;

let world: World;
let session: string;
let validState: string;
beforeAll(async () => {
  world = await createWorld();
  const signup = await signUp(world, 'fuzz');
  session = signup.session;
  validState = new URL(signup.run.callbackUrl).searchParams.get('state')!;
});
afterAll(() => world.close());

/** A sign-up the browser completed and the agent has not polled for yet. */
async function signUpWithoutCollecting() {
  const signupToken = randomUUID();
  const { callback } = await runBrowser(world, `/web/provider-auth/oidc?signupToken=${signupToken}`, 'fuzz-pending');
  return { signupToken, run: callback };
}

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', '..', '../..', '%2e%2e', '\r\nSet-Cookie: x=1', '<script>alert(1)</script>', 'test!', 'test!a.b.c.d.e', '!', 'null', '{}', '[]', 'https://evil.example', '//evil.example', 'javascript:alert(1)', '\u0000', '💥'),
  fc.string({ minLength: 2000, maxLength: 6000 }),
  fc.uuid(),
);
const providerId = fc.oneof(fc.constantFrom('oidc', 'demo', 'github', 'okta', 'gitlab', 'nosuch', 'OIDC', 'oidc%00', '..'), nasty);
const queryNames = fc.constantFrom('code', 'state', 'signupToken', 'host', 'error', 'error_description', 'token', 'provider', 'x');
const queryPair = fc.tuple(queryNames, fc.oneof(nasty, fc.constant(() => validState), fc.uuid()));
// Mostly distinct names (so requests get past "parameter repeated"), sometimes repeats on purpose.
const query = fc.oneof(
  { weight: 4, arbitrary: fc.uniqueArray(queryPair, { maxLength: 6, selector: ([name]) => name }) },
  { weight: 1, arbitrary: fc.array(queryPair, { maxLength: 6 }) },
);
const headers = fc.record(
  {
    authorization: fc.oneof(nasty, fc.constant('Bearer '), fc.constant(() => `Bearer ${session}`), nasty.map((s) => `Bearer ${s}`)),
    cookie: fc.oneof(nasty, nasty.map((s) => `hs_bind_abc=${s}`), fc.constant('a=b; a=c; ;;=;')),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.constant(undefined),
  nasty,
  fc.json(),
  fc.record({ token: fc.oneof(nasty, fc.uuid(), fc.integer(), fc.constant(null)) }).map((o) => JSON.stringify(o)),
);

const resolve = (value: unknown) => String(typeof value === 'function' ? value() : value);

describe(`fuzzing every route (${API_ROUTES.length} routes × ${RUNS_PER_ROUTE} requests)`, () => {
  const counts: { route: string; requests: number; byOutcome: Record<string, number> }[] = [];
  afterAll(() => {
    const total = counts.reduce((n, c) => n + c.requests, 0);
    console.log(`fuzzing: ${total} generated requests, 0 5xx, 0 stack traces, every error a SPEC code\n${counts.map((c) => `  ${c.route.padEnd(42)} ${String(c.requests).padStart(5)}  ${Object.entries(c.byOutcome).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' ')}`).join('\n')}`);
  });

  for (const route of API_ROUTES) {
    it(`${route.method} ${route.path}: no 5xx, no stack trace, every error a SPEC code`, async () => {
      const byOutcome: Record<string, number> = {};
      let requests = 0;
      await fc.assert(
        fc.asyncProperty(providerId, query, headers, body, async (provider, pairs, hdrs, payload) => {
          const path = route.path.replace('{provider}', encodeURIComponent(provider));
          const search = new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, resolve(v)]));
          const sentHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(hdrs)) sentHeaders[name] = resolve(value).replace(/[\r\n\0]/g, ' ');
          const result = await dispatchHttp({
            method: route.method,
            url: `${path}${search.size ? `?${search}` : ''}`,
            headers: sentHeaders,
            body: payload === undefined ? undefined : Buffer.from(String(payload)),
          });
          requests++;
          expect(result.status, `${route.path} ${result.body.slice(0, 200)}`).toBeLessThan(500);
          expect(result.body).not.toMatch(/\n\s+at\s|Error:\s|\.ts:\d+/);
          let outcome: string;
          if (result.status === 404 && result.body === '{"message":"Not Found"}') {
            // No route matched (a provider segment like `..` or `a/b` changes the path): API Gateway's own 404.
            outcome = 'no route (404)';
          } else if (result.status === 302) {
            expect(result.headers['cache-control']).toBe('no-store');
            expect(result.headers['referrer-policy']).toBe('no-referrer');
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
            expect(result.headers['cache-control']).toBe('no-store');
            if (result.status !== 200) expect(Object.keys(ERROR_CODES)).toContain(json.code);
          } else {
            outcome = `${result.status} ${result.headers['content-type']?.split(';')[0]}`;
            expect(result.headers['content-security-policy']).toContain("default-src 'none'");
            expect(result.headers['x-content-type-options']).toBe('nosniff');
            expect(result.status === 200 || result.status === 404).toBe(true);
          }
          byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
        }),
        { numRuns: RUNS_PER_ROUTE, seed: 20261128, endOnFailure: true },
      );
      counts.push({ route: `${route.method} ${route.path}`, requests, byOutcome });
    }, 180_000);
  }

  it('a fuzzed check-signup never hands out a sign-up it was not given the token of', async () => {
    // A finished sign-up waits to be collected while the guesses come in: none may take it.
    const { signupToken, run } = await signUpWithoutCollecting();
    expect(locationOf(run).pathname).toBe('/web/auth-complete/oidc');
    await fc.assert(
      fc.asyncProperty(fc.uuid(), async (guess) => {
        fc.pre(guess !== signupToken);
        const poll = await world.call('PUT', '/no-auth/check-signup', { body: { token: guess } });
        expect(poll.status).toBe(403);
      }),
      { numRuns: 200, seed: 1 },
    );
    expect((await world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } })).status).toBe(200);
  });
});
