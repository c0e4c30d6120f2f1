import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import { challengeOf, createVerifier } from '../../../client/verifier';
import type { ProviderRow } from '../../../shared/providers/catalog';
import type { Browser, BrowserResponse } from '../../../local/scripted-browser';
import { API, type ContractWorld } from './contract-world';

export const CODE = 'SplxlOBeZQQYbYS6WxSbIA';
/**
 * The loopback redirectUri of the test agents. Nothing listens there: the browser stops at our callback's
 * redirect, and the test reads what it would have carried to the agent from its Location.
 */
export const AGENT_LOOPBACK = 'http://127.0.0.1:9/agent';

type Call = Awaited<ReturnType<ContractWorld['call']>>;

/** Which handshake an agent starts: a connect for the user of `session`, or a sign-up. */
export type Flow = { flow: 'connect'; session: string } | { flow: 'signup' };

/** What the agent keeps from its start: the handshake code, its verifier, and (connect) its session. */
export interface Agent {
  code: string;
  verifier: string;
  session?: string;
}

export interface Started extends Agent {
  browser: Browser;
  /** Where we sent the browser (the provider's authorize URL). */
  authorize: URL;
  /** The state the provider will hand back. */
  state: string;
  /** The binding cookie we set. */
  cookie: string;
}

export const locationOf = (response: BrowserResponse) => new URL(response.headers.get('location')!, response.url);

const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * Where our answer sends the browser next: a redirect's Location, or, for the answer to a relayed fragment POST,
 * the target of the page that moves on by itself (a meta refresh: a 302 after a form post would be held to the
 * relay page's `form-action 'self'`, see shared/http/fragment-relay.ts).
 */
export function onward(response: BrowserResponse): URL {
  if (response.status === 302) return locationOf(response);
  expect(response.status, response.body).toBe(200);
  const target = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(response.body)?.[1];
  expect(target, 'a page that moves on by itself').toBeDefined();
  return new URL(target!.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => HTML_ENTITIES[entity]!), response.url);
}
export const callbackUrl = (provider: string) => `${API}/no-auth/provider-token/${provider}`;

/**
 * `POST /provider-auth-code` as an agent sends it, with a fresh verifier (loopback mode unless `redirectUri`
 * is null). Returns the start's answer as it came, for the tests of what the start refuses.
 */
export async function startAgent(
  world: ContractWorld,
  provider: string,
  flow: Flow,
  options: { host?: string; redirectUri?: string | null } = {},
): Promise<{ verifier: string; session?: string; response: Call }> {
  const verifier = createVerifier();
  const session = flow.flow === 'connect' ? flow.session : undefined;
  const redirectUri = options.redirectUri === undefined ? AGENT_LOOPBACK : options.redirectUri;
  const response = await world.call('POST', '/provider-auth-code', {
    headers: session ? { authorization: `Bearer ${session}` } : {},
    body: JSON.stringify({
      provider,
      flow: flow.flow,
      challenge: challengeOf(verifier),
      challengeMethod: 'S256',
      ...(redirectUri ? { redirectUri } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    }),
  });
  return { verifier, ...(session ? { session } : {}), response };
}

/**
 * Starts a handshake through our real routes: the agent's start (a host-bound row on the fake's origin unless
 * `host` says otherwise), then the browser's visit of the answered `url`, a 302 to the provider with the
 * binding cookie.
 */
export async function startHandshake(world: ContractWorld, row: ProviderRow, flow: Flow, options: { browser?: Browser; host?: string } = {}): Promise<Started> {
  const host = options.host ?? (row.host === 'required' ? world.fake.origin : undefined);
  const { verifier, session, response: start } = await startAgent(world, row.id, flow, { host });
  expect(start.status, start.body).toBe(200);
  const { code, url } = start.json as { code: string; url: string };
  expect(url).toBe(`${API}/web/provider-auth/${row.id}?code=${code}`);

  const browser = options.browser ?? world.browser();
  const response = await browser.request(url);
  expect(response.status, response.body).toBe(302);
  const authorize = locationOf(response);
  expect(authorize.pathname).not.toBe('/web/error');
  let state: string | null;
  if (row.grant === 'oauth1') {
    // RFC 5849 has no state parameter: it rides in the oauth_callback we registered at the request-token step.
    const header = world.fake.last('POST', '/plugins/servlet/oauth/request-token')!.headers.authorization!;
    const callback = decodeURIComponent(/oauth_callback="([^"]+)"/.exec(header)![1]!);
    state = new URL(callback).searchParams.get('state');
  } else if (row.stateInRedirectUri) {
    state = new URL(authorize.searchParams.get(row.authorizeParamNames?.redirectUri ?? 'redirect_uri')!).searchParams.get('state');
  } else {
    state = authorize.searchParams.get('state');
  }
  expect(state).toMatch(/^contract!/);
  return { browser, authorize, state: state!, cookie: response.setCookies[0]!, code, verifier, ...(session ? { session } : {}) };
}

/**
 * What a browser does when the provider sends it back: a code in the query, the OAuth 1.0a verifier, or a
 * token in the fragment (the relay page's script runs, then its form is posted). Returns our callback's
 * answer, which sends the browser on to the agent's loopback listener with `result` or with `error` (`onward`).
 */
export async function returnFromProvider(world: ContractWorld, row: ProviderRow, started: Started, answer: Record<string, string> = {}): Promise<BrowserResponse> {
  const { browser, state } = started;
  if (row.grant === 'code') return browser.request(`${callbackUrl(row.id)}?${new URLSearchParams({ code: CODE, state, ...answer })}`);
  if (row.grant === 'oauth1') {
    return browser.request(`${callbackUrl(row.id)}?${new URLSearchParams({ state, oauth_token: 'request-token-from-jira', oauth_verifier: 'verifier-from-jira', ...answer })}`);
  }
  // Fragment: the provider redirects to the redirect URI (Trello: the return_url, whose query holds the state)
  // with the answer in the fragment; the server sees the path and query only.
  const back = row.stateInRedirectUri ? new URL(started.authorize.searchParams.get(row.authorizeParamNames?.redirectUri ?? 'redirect_uri')!) : new URL(callbackUrl(row.id));
  back.hash = new URLSearchParams(row.stateInRedirectUri ? answer : { ...answer, state }).toString();
  const page = await browser.request(back.toString().replace(/#.*$/, ''));
  expect(page.status).toBe(200);
  const relayed = runRelayScript(page.body, back.toString());
  expect(relayed.submitted).toBe(true);
  expect(relayed.replacedUrl, 'the token is dropped from the address bar').toBe(back.pathname + back.search);
  return browser.request(new URL(relayed.action, API).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(relayed.fields).toString(),
  });
}

/** Runs the relay page's one script against a fake DOM, as a browser at `pageUrl` would. */
export function runRelayScript(html: string, pageUrl: string) {
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (!script) throw new Error('the relay page has no script');
  const url = new URL(pageUrl);
  const result = { action: '', fields: {} as Record<string, string>, submitted: false, replacedUrl: undefined as string | undefined, script };
  const form = {
    setAttribute(name: string, value: string) {
      if (name === 'action') result.action = value;
    },
    appendChild(input: { name: string; value: string; type: string }) {
      expect(input.type).toBe('hidden');
      result.fields[input.name] = input.value;
    },
    submit() {
      result.submitted = true;
    },
  };
  runInNewContext(script, {
    URLSearchParams,
    location: { hash: url.hash, search: url.search, pathname: url.pathname },
    history: { replaceState: (_state: unknown, _title: string, next: string) => (result.replacedUrl = next) },
    document: { getElementById: (id: string) => (id === 'relay' ? form : null), createElement: () => ({}) },
  });
  return result;
}

/** What our callback's redirect carries to the agent's loopback listener. */
export interface Arrival {
  code: string;
  result?: string;
  error?: string;
  /** The success or error page the listener sends the browser on to. */
  complete: URL;
}

/** What our callback sends on to the agent's listener, read; undefined when it sends the browser straight to a page. */
export function arrivalOf(callback: BrowserResponse): Arrival | undefined {
  const location = onward(callback);
  if (`${location.origin}${location.pathname}` !== AGENT_LOOPBACK) return undefined;
  const param = (name: string) => location.searchParams.get(name) ?? undefined;
  return { code: param('code')!, result: param('result'), error: param('error'), complete: new URL(param('complete')!) };
}

/**
 * The outcome of our callback's answer: 'ok' when it sends the browser on to the agent with a one-time result
 * (or to the success page), else the SPEC code of the error: the one the agent is told, and the error page's.
 */
export function verdict(response: BrowserResponse): string {
  const arrival = arrivalOf(response);
  if (!arrival) {
    const location = onward(response);
    return location.pathname === '/web/error' ? location.searchParams.get('code')! : 'ok';
  }
  if (arrival.error) {
    expect(arrival.result).toBeUndefined();
    expect(arrival.complete.pathname).toBe('/web/error');
    expect(arrival.complete.searchParams.get('code')).toBe(arrival.error);
    return arrival.error;
  }
  expect(arrival.result).toMatch(/^[\w-]{43}$/);
  expect(arrival.complete.pathname).toMatch(/^\/web\/auth-complete\//);
  return 'ok';
}

/**
 * `PUT /no-auth/check-signup` with the agent's proof: its verifier, the one-time `result` the browser carried
 * (loopback), and for a connect the session that started it (`session: null` sends none).
 */
export function claim(world: ContractWorld, agent: Agent, options: { result?: string; session?: string | null; verifier?: string } = {}): Promise<Call> {
  const session = options.session === null ? undefined : (options.session ?? agent.session);
  return world.call('PUT', '/no-auth/check-signup', {
    headers: session ? { authorization: `Bearer ${session}` } : {},
    body: JSON.stringify({ code: agent.code, verifier: options.verifier ?? agent.verifier, ...(options.result ? { result: options.result } : {}) }),
  });
}

/** A whole handshake: start, the provider, our callback, then the agent's claim with what reached its listener. */
async function complete(world: ContractWorld, row: ProviderRow, flow: Flow, answer?: Record<string, string>) {
  const started = await startHandshake(world, row, flow);
  const callback = await returnFromProvider(world, row, started, answer);
  const arrival = arrivalOf(callback);
  if (arrival) expect(arrival.code).toBe(started.code);
  const check = await claim(world, started, { result: arrival?.result });
  return { started, callback, arrival, check };
}

/** A connect for the user of `session`: the token is stored only at the claim (`check`). */
export const connect = (world: ContractWorld, row: ProviderRow, session: string, answer?: Record<string, string>) => complete(world, row, { flow: 'connect', session }, answer);

/** A sign-up: the claim (`check`) finds or creates the user and answers the session. */
export const signUp = (world: ContractWorld, row: ProviderRow, answer?: Record<string, string>) => complete(world, row, { flow: 'signup' }, answer);
