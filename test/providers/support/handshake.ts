import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import type { ProviderRow } from '../../../shared/providers/catalog';
import type { Browser, BrowserResponse } from '../../../local/scripted-browser';
import { API, type ContractWorld } from './contract-world';

export const CODE = 'SplxlOBeZQQYbYS6WxSbIA';

export interface Started {
  browser: Browser;
  /** Where we sent the browser (the provider's authorize URL). */
  authorize: URL;
  /** The state the provider will hand back. */
  state: string;
  /** The binding cookie we set. */
  cookie: string;
}

export const locationOf = (response: BrowserResponse) => new URL(response.headers.get('location')!, response.url);
export const callbackUrl = (provider: string) => `${API}/no-auth/provider-token/${provider}`;

/** Starts a handshake through our real start route: `{code}` (connect) or `{signupToken}` (sign-up). */
export async function startHandshake(world: ContractWorld, row: ProviderRow, flow: { code: string } | { signupToken: string }, browser = world.browser()): Promise<Started> {
  const query = new URLSearchParams('code' in flow ? { code: flow.code } : { signupToken: flow.signupToken });
  if (row.host === 'required') query.set('host', world.fake.origin);
  const response = await browser.request(`${API}/web/provider-auth/${row.id}?${query}`);
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
  return { browser, authorize, state: state!, cookie: response.setCookies[0]! };
}

/**
 * What a browser does when the provider sends it back: a code in the query, the OAuth 1.0a verifier, or a
 * token in the fragment (the relay page's script runs, then its form is posted). Returns our final answer.
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

/** The error code on the error page our callback redirected to, or 'ok' for the success page. */
export function verdict(response: BrowserResponse): string {
  expect(response.status).toBe(302);
  const location = locationOf(response);
  return location.pathname === '/web/error' ? location.searchParams.get('code')! : 'ok';
}

/** A connect handshake from the provider-auth code to our callback's answer. */
export async function connect(world: ContractWorld, row: ProviderRow, session: string, answer?: Record<string, string>) {
  const code = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
  expect(code.status).toBe(200);
  const started = await startHandshake(world, row, { code: code.json.code });
  return { started, callback: await returnFromProvider(world, row, started, answer) };
}
