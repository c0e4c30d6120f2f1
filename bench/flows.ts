import { Agent } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { challengeOf, createVerifier } from '../client/verifier';
import type { HttpHandler } from '../local/handlers';
import { confirmationForm, loopbackArrival, UNHEARD_LOOPBACK } from '../local/scripted-browser';
import { toV2Event } from '../local/v2-event';
import type { ConnectAnswer, SignupAnswer } from '../shared/handshake/commit';
import { getRedirect } from './bare-http';
import { GRANT_PROVIDER } from './grant/handler';
import type { BrokerLib } from './lib';
import { BENCH_API_URL, OUR_PROVIDER } from './setup';

/**
 * The handshakes the bench drives (SPEC v2): the real Lambda handlers (of the bundled `lib`) invoked in process
 * with payload 2.0 events as API Gateway builds them, and the browser's visit to the provider's authorize URL
 * made over loopback HTTP. Every handler invocation goes through `invoke`, so a measurement can time or count
 * exactly those calls and nothing of the driver (building events, the browser hop).
 *
 * A handshake is: the agent's start (`POST /provider-auth-code` with its challenge), the browser's visit
 * (`GET /web/provider-auth/{p}?code=`; in poll mode the confirmation page and the typed user code), the
 * provider, the callback (which keeps the result on the handshake), and the agent's claim
 * (`PUT /no-auth/check-signup` with its verifier), which commits.
 */

/** A handler the bench invokes: ours, or Grant's two routes. */
export type Step = 'provider-auth-code' | 'provider-auth' | 'provider-token' | 'check-signup' | 'grant-connect' | 'grant-callback';
/** What an invocation is in the protocol (SPEC v2), for the tables that count per protocol step. */
export type Phase = 'start' | 'browser visit' | 'confirmation page' | 'user code' | 'callback' | 'claim' | 'pending claim' | 'grant';
export type Invoke = (step: Step, call: () => Promise<APIGatewayProxyStructuredResultV2>, phase: Phase) => Promise<APIGatewayProxyStructuredResultV2>;

export const direct: Invoke = (_step, call) => call();


/** The browser's connection to the provider, kept alive as a browser's is. */
const browser = new Agent({ keepAlive: true, maxSockets: 1 });
const { host, origin } = new URL(BENCH_API_URL);

interface EventOptions {
  provider?: string;
  cookie?: string;
  bearer?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

function event(method: string, url: string, routeKey: string, options: EventOptions = {}): APIGatewayProxyEventV2 {
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.form ? new URLSearchParams(options.form).toString() : undefined;
  return toV2Event({
    method,
    url,
    routeKey,
    headers: {
      host,
      'user-agent': 'handshake-bench',
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    ...(body !== undefined ? { body: Buffer.from(body) } : {}),
    ...(options.provider ? { pathParameters: { provider: options.provider } } : {}),
  });
}

const cookiePair = (setCookie: string | undefined) => setCookie?.split(';')[0];
const excerpt = (result: APIGatewayProxyStructuredResultV2) => String(result.body ?? '').slice(0, 200);

function expectRedirect(step: string, result: APIGatewayProxyStructuredResultV2): string {
  const location = result.headers?.location;
  if (result.statusCode !== 302 || typeof location !== 'string') throw new Error(`${step} answered ${result.statusCode}: ${excerpt(result)}`);
  if (location.includes('/web/error')) throw new Error(`${step} failed: ${location}`);
  return location;
}

function expectJson<T>(step: string, result: APIGatewayProxyStructuredResultV2): T {
  if (result.statusCode !== 200) throw new Error(`${step} answered ${result.statusCode}: ${excerpt(result)}`);
  return JSON.parse(String(result.body)) as T;
}

/**
 * The browser at the provider: the fast provider answers the authorize URL with a redirect to the callback.
 * Plain node:http, read to its end, so that little of this hop's work is left to run during the next
 * (measured) handler call; fetch would leave its stream teardown for later.
 */
async function visitProvider(authorizeUrl: string, loginHint?: string): Promise<string> {
  const url = new URL(authorizeUrl);
  if (loginHint) url.searchParams.set('login_hint', loginHint);
  const { status, location } = await getRedirect(browser, url);
  if (status !== 302 || !location || !new URL(location).searchParams.has('code')) throw new Error(`provider authorize answered ${status} ${location ?? ''}`);
  await new Promise((resolve) => setImmediate(resolve));
  return location;
}

export interface HandshakeOptions {
  /**
   * Default `loopback`, with a redirectUri where nothing listens (UNHEARD_LOOPBACK): the driver reads what the
   * browser would carry to the agent from the callback's Location, so the agent's listener costs nothing in the
   * measurements. `poll` goes through the confirmation page and the user code.
   */
  mode?: 'loopback' | 'poll';
  /** Also claims once before the browser has left for the provider (poll mode's first poll): AUTH-1006. */
  pollWhilePending?: boolean;
}

/** Connect for the user of `session`: start (Bearer), visit, provider, callback, the claim (stores the token, publishes on the me-channel). */
export function connectHandshake(lib: BrokerLib, session: string, invoke: Invoke = direct, options: HandshakeOptions = {}): Promise<ConnectAnswer> {
  return handshake<ConnectAnswer>(lib, 'connect', session, undefined, invoke, options);
}

/** Sign-up: start (no Bearer), visit, provider (signing in as `loginHint`), callback, the claim (finds or creates the user, issues the session). */
export function signupHandshake(lib: BrokerLib, loginHint: string, invoke: Invoke = direct, options: HandshakeOptions = {}): Promise<SignupAnswer> {
  return handshake<SignupAnswer>(lib, 'signup', undefined, loginHint, invoke, options);
}

/** `loginHint`: the subject the fast provider signs in (its `login_hint`); a random one without it. */
async function handshake<T>(lib: BrokerLib, flow: 'connect' | 'signup', session: string | undefined, loginHint: string | undefined, invoke: Invoke, options: HandshakeOptions): Promise<T> {
  const mode = options.mode ?? 'loopback';
  const verifier = createVerifier();
  const startEvent = event('POST', '/provider-auth-code', 'POST /provider-auth-code', {
    bearer: session,
    json: { provider: OUR_PROVIDER, flow, challenge: challengeOf(verifier), challengeMethod: 'S256', ...(mode === 'loopback' ? { redirectUri: UNHEARD_LOOPBACK } : {}), client: { name: 'handshake-bench' } },
  });
  const started = expectJson<{ code: string; url: string; userCode?: string }>('provider-auth-code', await invoke('provider-auth-code', () => lib.handlers['provider-auth-code'](startEvent), 'start'));
  if ((mode === 'poll') !== Boolean(started.userCode)) throw new Error(`provider-auth-code answered ${started.userCode ? 'a' : 'no'} user code in ${mode} mode`);

  const claimEvent = (result?: string) =>
    event('PUT', '/no-auth/check-signup', 'PUT /no-auth/check-signup', { bearer: session, json: { code: started.code, verifier, ...(result ? { result } : {}) } });
  if (options.pollWhilePending) {
    const pending = await invoke('check-signup', () => lib.handlers['check-signup'](claimEvent()), 'pending claim');
    if (pending.statusCode !== 403 || !String(pending.body).includes('AUTH-1006')) throw new Error(`check-signup before the callback answered ${pending.statusCode}: ${excerpt(pending)}`);
  }

  const visitUrl = new URL(started.url);
  const visit = event('GET', `${visitUrl.pathname}${visitUrl.search}`, 'GET /web/provider-auth/{provider}', { provider: OUR_PROVIDER });
  let leaving = await invoke('provider-auth', () => lib.handlers['provider-auth'](visit), mode === 'poll' ? 'confirmation page' : 'browser visit');
  if (mode === 'poll') leaving = await typeUserCode(lib, leaving, started.userCode!, invoke);
  const authorizeUrl = expectRedirect('provider-auth', leaving);
  const binding = cookiePair(leaving.cookies?.find((cookie) => cookie.startsWith('hs_bind_')));
  if (!binding) throw new Error('provider-auth set no binding cookie');

  const back = await visitProvider(authorizeUrl, loginHint);
  const callback = event('GET', back, 'GET /no-auth/provider-token/{provider}', { provider: OUR_PROVIDER, cookie: binding });
  const answered = new URL(expectRedirect('provider-token', await invoke('provider-token', () => lib.handlers['provider-token'](callback), 'callback')));

  let result: string | undefined;
  if (mode === 'loopback') {
    // What the browser carries to the agent's listener: the handshake code and the one-time result.
    const arrival = loopbackArrival(answered);
    if (`${answered.origin}${answered.pathname}` !== UNHEARD_LOOPBACK || arrival?.code !== started.code || arrival.error) {
      throw new Error(`provider-token sent the browser to ${answered.origin}${answered.pathname} with ${[...answered.searchParams.keys()].join(', ')}`);
    }
    result = arrival.result;
    if (!result || !new URL(arrival.complete).pathname.endsWith(`/web/auth-complete/${OUR_PROVIDER}`)) throw new Error('provider-token gave the agent no result or no success page');
  } else if (!answered.pathname.endsWith(`/web/auth-complete/${OUR_PROVIDER}`)) {
    throw new Error(`provider-token landed on ${answered.pathname}`);
  }

  return expectJson<T>('check-signup', await invoke('check-signup', () => lib.handlers['check-signup'](claimEvent(result)), 'claim'));
}

/** Poll mode: the person types the user code into the confirmation page's form (with its CSRF field and cookie). */
async function typeUserCode(lib: BrokerLib, page: APIGatewayProxyStructuredResultV2, userCode: string, invoke: Invoke): Promise<APIGatewayProxyStructuredResultV2> {
  const form = confirmationForm(String(page.body ?? ''));
  const csrfCookie = cookiePair(page.cookies?.find((cookie) => cookie.startsWith('hs_csrf=')));
  if (page.statusCode !== 200 || !form || !csrfCookie) throw new Error(`provider-auth answered ${page.statusCode} without the confirmation form: ${excerpt(page)}`);
  const post = event('POST', new URL(form.action).pathname, 'POST /web/provider-auth/{provider}', {
    provider: OUR_PROVIDER,
    cookie: csrfCookie,
    form: { code: form.code, csrf: form.csrf, userCode },
    headers: { origin, 'sec-fetch-site': 'same-origin' },
  });
  return invoke('provider-auth', () => lib.handlers['provider-auth'](post), 'user code');
}

/** Grant: connect (302 to the provider with its session cookie), the provider, callback (state check, exchange). */
export async function grantHandshake(grant: HttpHandler, invoke: Invoke = direct): Promise<void> {
  const connect = event('GET', `/connect/${GRANT_PROVIDER}`, 'GET /connect/{provider}');
  const started = await invoke('grant-connect', () => grant(connect), 'grant');
  const authorizeUrl = expectRedirect('grant connect', started);
  const session = cookiePair(started.cookies?.[0]);
  const back = await visitProvider(authorizeUrl);
  const callback = event('GET', back, 'GET /connect/{provider}/callback', { cookie: session });
  const answer = await invoke('grant-callback', () => grant(callback), 'grant');
  const body = answer.statusCode === 200 ? (JSON.parse(String(answer.body)) as { access_token?: string; error?: unknown }) : undefined;
  if (!body?.access_token) throw new Error(`grant callback answered ${answer.statusCode}: ${excerpt(answer)}`);
}
