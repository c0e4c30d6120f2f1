import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpHandler } from '../local/handlers';
import { toV2Event } from '../local/v2-event';
import { getRedirect } from './bare-http';
import { GRANT_PROVIDER } from './grant/handler';
import type { BrokerLib } from './lib';
import { BENCH_API_URL, OUR_PROVIDER } from './setup';

/**
 * The handshakes the bench drives: the real Lambda handlers (of the bundled `lib`) invoked in process with
 * payload 2.0 events as API Gateway builds them, and the browser's visit to the provider's authorize URL made
 * over loopback HTTP. Every handler invocation goes through `invoke`, so a measurement can time or count
 * exactly those calls and nothing of the driver (building events, the browser hop).
 */

export type Step = 'provider-auth-code' | 'provider-auth' | 'provider-token' | 'check-signup' | 'grant-connect' | 'grant-callback';
export type Invoke = (step: Step, call: () => Promise<APIGatewayProxyStructuredResultV2>) => Promise<APIGatewayProxyStructuredResultV2>;

export const direct: Invoke = (_step, call) => call();

/** The browser's connection to the provider, kept alive as a browser's is. */
const browser = new Agent({ keepAlive: true, maxSockets: 1 });
const host = new URL(BENCH_API_URL).host;

function event(method: string, url: string, routeKey: string, options: { provider?: string; cookie?: string; body?: unknown } = {}): APIGatewayProxyEventV2 {
  return toV2Event({
    method,
    url,
    routeKey,
    headers: {
      host,
      'user-agent': 'handshake-bench',
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: Buffer.from(JSON.stringify(options.body)) } : {}),
    ...(options.provider ? { pathParameters: { provider: options.provider } } : {}),
  });
}

const cookiePair = (setCookie: string | undefined) => setCookie?.split(';')[0];

function expectRedirect(step: string, result: APIGatewayProxyStructuredResultV2): string {
  const location = result.headers?.location;
  if (result.statusCode !== 302 || typeof location !== 'string') throw new Error(`${step} answered ${result.statusCode}: ${String(result.body ?? '').slice(0, 200)}`);
  if (location.includes('/web/error')) throw new Error(`${step} failed: ${location}`);
  return location;
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

/** The agent's `GET /provider-auth-code` with its session token: the single-use code for a connect handshake. */
export async function agentAuthCode(lib: BrokerLib, sessionToken: string, invoke: Invoke = direct): Promise<string> {
  const request = toV2Event({ method: 'GET', url: '/provider-auth-code', routeKey: 'GET /provider-auth-code', headers: { host, authorization: `Bearer ${sessionToken}` } });
  const answer = await invoke('provider-auth-code', () => lib.handlers['provider-auth-code'](request));
  const code = answer.statusCode === 200 ? (JSON.parse(String(answer.body)) as { code?: string }).code : undefined;
  if (!code) throw new Error(`provider-auth-code answered ${answer.statusCode}: ${String(answer.body ?? '').slice(0, 200)}`);
  return code;
}

/** Connect: provider-auth with the agent's single-use code, the provider, provider-token (exchange, store, publish). */
export async function connectHandshake(lib: BrokerLib, code: string, invoke: Invoke = direct): Promise<void> {
  const start = event('GET', `/web/provider-auth/${OUR_PROVIDER}?code=${encodeURIComponent(code)}`, 'GET /web/provider-auth/{provider}', { provider: OUR_PROVIDER });
  const started = await invoke('provider-auth', () => lib.handlers['provider-auth'](start));
  const authorizeUrl = expectRedirect('provider-auth', started);
  const binding = cookiePair(started.cookies?.[0]);
  const back = await visitProvider(authorizeUrl);
  const callback = event('GET', back, 'GET /no-auth/provider-token/{provider}', { provider: OUR_PROVIDER, cookie: binding });
  const landing = expectRedirect('provider-token', await invoke('provider-token', () => lib.handlers['provider-token'](callback)));
  if (!landing.endsWith(`/web/auth-complete/${OUR_PROVIDER}`)) throw new Error(`provider-token landed on ${landing}`);
}

/**
 * Sign-up: provider-auth with a sign-up token, the provider (signing in as `loginHint`), provider-token, then
 * the agent's poll; with `pollWhilePending`, the agent also polls once before the user is back (AUTH-1006).
 */
export async function signupHandshake(lib: BrokerLib, loginHint: string, invoke: Invoke = direct, options: { pollWhilePending?: boolean } = {}): Promise<{ signupStatus: string }> {
  const signupToken = randomBytes(32).toString('base64url');
  const start = event('GET', `/web/provider-auth/${OUR_PROVIDER}?signupToken=${signupToken}`, 'GET /web/provider-auth/{provider}', { provider: OUR_PROVIDER });
  const started = await invoke('provider-auth', () => lib.handlers['provider-auth'](start));
  const authorizeUrl = expectRedirect('provider-auth', started);
  const binding = cookiePair(started.cookies?.[0]);
  const poll = event('PUT', '/no-auth/check-signup', 'PUT /no-auth/check-signup', { body: { token: signupToken } });
  if (options.pollWhilePending) {
    const pending = await invoke('check-signup', () => lib.handlers['check-signup'](poll));
    if (pending.statusCode !== 403 || !String(pending.body).includes('AUTH-1006')) throw new Error(`check-signup before the callback answered ${pending.statusCode}: ${String(pending.body).slice(0, 200)}`);
  }
  const back = await visitProvider(authorizeUrl, loginHint);
  const callback = event('GET', back, 'GET /no-auth/provider-token/{provider}', { provider: OUR_PROVIDER, cookie: binding });
  expectRedirect('provider-token', await invoke('provider-token', () => lib.handlers['provider-token'](callback)));
  const answer = await invoke('check-signup', () => lib.handlers['check-signup'](poll));
  if (answer.statusCode !== 200) throw new Error(`check-signup answered ${answer.statusCode}: ${String(answer.body).slice(0, 200)}`);
  return JSON.parse(String(answer.body)) as { signupStatus: string };
}

/** Grant: connect (302 to the provider with its session cookie), the provider, callback (state check, exchange). */
export async function grantHandshake(grant: HttpHandler, invoke: Invoke = direct): Promise<void> {
  const connect = event('GET', `/connect/${GRANT_PROVIDER}`, 'GET /connect/{provider}');
  const started = await invoke('grant-connect', () => grant(connect));
  const authorizeUrl = expectRedirect('grant connect', started);
  const session = cookiePair(started.cookies?.[0]);
  const back = await visitProvider(authorizeUrl);
  const callback = event('GET', back, 'GET /connect/{provider}/callback', { cookie: session });
  const answer = await invoke('grant-callback', () => grant(callback));
  const body = answer.statusCode === 200 ? (JSON.parse(String(answer.body)) as { access_token?: string; error?: unknown }) : undefined;
  if (!body?.access_token) throw new Error(`grant callback answered ${answer.statusCode}: ${String(answer.body ?? '').slice(0, 200)}`);
}
