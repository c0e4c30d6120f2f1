import { randomUUID } from 'node:crypto';
import { authorizeAtProvider, type Browser, type BrowserResponse } from '../../local/scripted-browser';
import { PUBLIC_API_URL, type World } from './world';

export const CALLBACK_PREFIX = `${PUBLIC_API_URL}/no-auth/provider-token/`;

export interface BrowserRun {
  browser: Browser;
  /** The provider's redirect to our callback, with `code` and `state`. */
  callbackUrl: string;
  /** Our callback's answer (a 302 to the success or error page). */
  callback: BrowserResponse;
}

/** Drives a browser from our provider-auth URL through the provider's pages to our callback's answer. */
export async function runBrowser(world: World, startPath: string, login: string, options: { abort?: boolean; browser?: Browser } = {}): Promise<BrowserRun> {
  const browser = options.browser ?? world.browser();
  const callbackUrl = await authorizeAtProvider(browser, `${PUBLIC_API_URL}${startPath}`, CALLBACK_PREFIX, login, options);
  const callback = await browser.request(callbackUrl);
  return { browser, callbackUrl, callback };
}

/** The sign-up flow as an agent and a browser run it; returns the 200 check-signup answer. */
export async function signUp(world: World, login: string, provider = 'oidc') {
  const signupToken = randomUUID();
  const run = await runBrowser(world, `/web/provider-auth/${provider}?signupToken=${signupToken}`, login);
  const check = await world.call('PUT', '/no-auth/check-signup', { body: { token: signupToken } });
  return { signupToken, run, check, session: check.json?.accessToken as string };
}

/** The connect flow: code from /provider-auth-code, then the browser. */
export async function connect(world: World, session: string, login: string, provider = 'oidc', browser?: Browser) {
  const codeResponse = await world.call('GET', '/provider-auth-code', { headers: { authorization: `Bearer ${session}` } });
  const run = await runBrowser(world, `/web/provider-auth/${provider}?code=${codeResponse.json.code}`, login, { browser });
  return { code: codeResponse.json.code as string, run };
}

export const locationOf = (response: BrowserResponse) => new URL(response.headers.get('location')!, response.url);
