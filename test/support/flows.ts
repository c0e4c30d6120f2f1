import { authorizeAtProvider, loopbackArrival, UNHEARD_LOOPBACK, type Browser, type BrowserResponse } from '../../local/scripted-browser';
import { challengeOf, createVerifier } from '../../client/verifier';
import { PUBLIC_API_URL, type World } from './world';

export const CALLBACK_PREFIX = `${PUBLIC_API_URL}/no-auth/provider-token/`;
/** The loopback redirectUri of the test agents, where nothing listens (see UNHEARD_LOOPBACK). */
export const AGENT_LOOPBACK = UNHEARD_LOOPBACK;

export const locationOf = (response: BrowserResponse) => new URL(response.headers.get('location')!, response.url);

type Call = Awaited<ReturnType<World['call']>>;

export interface StartOptions {
  flow: 'signup' | 'connect';
  provider?: string;
  /** Connect: the Bearer session of the user to connect. */
  session?: string;
  /** Default loopback (with AGENT_LOOPBACK). */
  mode?: 'loopback' | 'poll';
  redirectUri?: string;
  host?: string;
  client?: { name?: string; device?: string };
}

/** One agent's handshake: what it sent, what it keeps (the verifier), and the start's answer. */
export interface Started {
  code: string;
  url: string;
  userCode?: string;
  verifier: string;
  session?: string;
  response: Call;
}

/** `POST /provider-auth-code` as an agent does, with a fresh verifier. */
export async function start(world: World, options: StartOptions): Promise<Started> {
  const verifier = createVerifier();
  const mode = options.mode ?? 'loopback';
  const response = await world.call('POST', '/provider-auth-code', {
    headers: options.session ? { authorization: `Bearer ${options.session}` } : {},
    body: {
      provider: options.provider ?? 'oidc',
      flow: options.flow,
      challenge: challengeOf(verifier),
      challengeMethod: 'S256',
      ...(mode === 'loopback' ? { redirectUri: options.redirectUri ?? AGENT_LOOPBACK } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.client ? { client: options.client } : {}),
    },
  });
  if (response.status !== 200) throw new Error(`start answered ${response.status}: ${response.body}`);
  return { code: response.json.code, url: response.json.url, userCode: response.json.userCode, verifier, session: options.session, response };
}

/** `PUT /no-auth/check-signup` with the agent's proof; the session of a connect goes along unless replaced. */
export function claim(world: World, started: Pick<Started, 'code' | 'verifier' | 'session'>, options: { result?: string; session?: string | null; verifier?: string } = {}): Promise<Call> {
  const session = options.session === null ? undefined : (options.session ?? started.session);
  return world.call('PUT', '/no-auth/check-signup', {
    headers: session ? { authorization: `Bearer ${session}` } : {},
    body: { code: started.code, verifier: options.verifier ?? started.verifier, ...(options.result ? { result: options.result } : {}) },
  });
}

/** What the callback sent towards the agent's loopback listener. */
export interface Arrival {
  code: string;
  result?: string;
  error?: string;
  /** The success or error page the listener sends the browser on to. */
  complete: URL;
}

export interface BrowserRun {
  browser: Browser;
  /** The provider's redirect to our callback, with `code` and `state`. */
  callbackUrl: string;
  /** Our callback's answer: a 302 to the agent's loopback listener, or to the success or error page. */
  callback: BrowserResponse;
  /** Loopback mode: what the redirect carries to the agent. */
  arrival?: Arrival;
  /** The broker page the browser ends on (for loopback: after the agent's listener sent it on). */
  page: URL;
}

/** Reads the callback's redirect: to the agent's listener (loopback) or straight to a page (poll). */
export function readCallbackAnswer(callback: BrowserResponse): { arrival?: Arrival; page: URL } {
  const location = locationOf(callback);
  const arrival = loopbackArrival(location);
  if (!arrival) return { page: location };
  const complete = new URL(arrival.complete);
  return { arrival: { ...arrival, complete }, page: complete };
}

/** Drives a browser from the start's `url` through the confirmation page (poll) and the provider's pages to our callback's answer. */
export async function runBrowser(world: World, url: string, login: string, options: { abort?: boolean; browser?: Browser; userCode?: string } = {}): Promise<BrowserRun> {
  const browser = options.browser ?? world.browser();
  const callbackUrl = await authorizeAtProvider(browser, url, CALLBACK_PREFIX, login, options);
  const callback = await browser.request(callbackUrl);
  return { browser, callbackUrl, callback, ...readCallbackAnswer(callback) };
}

/** A whole sign-up: start, the person in the browser (typing the user code in poll mode), the claim. */
export async function signUp(world: World, login: string, provider = 'oidc', options: { mode?: 'loopback' | 'poll'; browser?: Browser } = {}) {
  const started = await start(world, { flow: 'signup', provider, mode: options.mode });
  const run = await runBrowser(world, started.url, login, { browser: options.browser, userCode: started.userCode });
  const check = await claim(world, started, { result: run.arrival?.result });
  return { started, run, check, session: check.json?.accessToken as string };
}

/** A whole connect for the user of `session`. */
export async function connect(world: World, session: string, login: string, provider = 'oidc', options: { mode?: 'loopback' | 'poll'; browser?: Browser } = {}) {
  const started = await start(world, { flow: 'connect', provider, session, mode: options.mode });
  const run = await runBrowser(world, started.url, login, { browser: options.browser, userCode: started.userCode });
  const check = await claim(world, started, { result: run.arrival?.result });
  return { started, run, check };
}

/** The error code of the page a browser response redirects to, or 'ok' for anything else. */
export function verdict(response: BrowserResponse): string {
  const location = locationOf(response);
  return location.pathname === '/web/error' ? location.searchParams.get('code')! : 'ok';
}
