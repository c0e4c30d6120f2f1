import type { LoopbackArrival } from '../client/loopback-listener';
/**
 * A scripted browser (for the tests and `npm run demo`): follows redirects by hand, keeps a cookie jar with RFC 6265 host/path/expiry rules,
 * and sends each request either over real HTTP (the provider) or to a `Gateway` (our handlers).
 */
export interface BrowserResponse {
  url: string;
  status: number;
  headers: Headers;
  setCookies: string[];
  body: string;
}

export type Transport = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<BrowserResponse | undefined>;

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires: number;
  secure: boolean;
}

export class Browser {
  readonly cookies: StoredCookie[] = [];
  readonly visited: string[] = [];

  /** `transport` answers for our own URLs; anything it returns undefined for goes over real HTTP. */
  constructor(private readonly transport: Transport = async () => undefined) {}

  async request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<BrowserResponse> {
    this.visited.push(url);
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': 'handshake-test-browser', ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    const method = init.method ?? 'GET';
    let response = await this.transport(url, { method, headers, body: init.body });
    if (!response) {
      const real = await fetch(url, { method, headers, body: init.body, redirect: 'manual' });
      response = { url, status: real.status, headers: real.headers, setCookies: real.headers.getSetCookie(), body: await real.text() };
    }
    for (const setCookie of response.setCookies) this.store(target, setCookie);
    return response;
  }

  /** Follows redirects from `url` until a page answers (or `stop` says so for a redirect target). */
  async follow(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }, stop?: (next: string) => boolean): Promise<BrowserResponse> {
    let response = await this.request(url, init);
    for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400; hops++) {
      const next = new URL(response.headers.get('location')!, response.url).toString();
      if (stop?.(next)) return response;
      response = await this.request(next);
    }
    return response;
  }

  cookieHeader(url: URL): string {
    const now = Date.now();
    return this.cookies
      .filter((c) => c.host === url.hostname && c.expires > now && pathMatches(url.pathname, c.path) && (!c.secure || url.protocol === 'https:'))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, header: string) {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const eq = pair!.indexOf('=');
    const cookie: StoredCookie = { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), host: url.hostname, path: defaultPath(url), expires: Infinity, secure: false };
    for (const attribute of attributes) {
      const [key, value = ''] = attribute.split('=');
      const name = key!.toLowerCase();
      if (name === 'path' && value.startsWith('/')) cookie.path = value;
      if (name === 'max-age') cookie.expires = Date.now() + Number(value) * 1000;
      if (name === 'expires' && cookie.expires === Infinity) cookie.expires = Date.parse(value);
      if (name === 'secure') cookie.secure = true;
    }
    const index = this.cookies.findIndex((c) => c.name === cookie.name && c.host === cookie.host && c.path === cookie.path);
    if (index >= 0) this.cookies.splice(index, 1);
    if (cookie.expires > Date.now()) this.cookies.push(cookie);
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return requestPath === cookiePath || (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'));
}

function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/');
  return last <= 0 ? '/' : url.pathname.slice(0, last);
}

/**
 * A loopback redirectUri where nothing listens, for agents driven by a script (tests, the bench, the load):
 * the scripted browser stops at the callback's redirect, and what it would carry to the agent's listener is
 * read from that redirect's Location (`loopbackArrival`).
 */
export const UNHEARD_LOOPBACK = 'http://127.0.0.1:9/agent';

/** What a callback's redirect carries to the agent's loopback listener; undefined for a redirect to a page. */
export function loopbackArrival(location: URL): LoopbackArrival | undefined {
  const complete = location.searchParams.get('complete');
  const code = location.searchParams.get('code');
  if (!complete || !code) return undefined;
  const optional = (name: 'result' | 'error') => (location.searchParams.get(name) ? { [name]: location.searchParams.get(name)! } : {});
  return { code, complete, ...optional('result'), ...optional('error') };
}

/** The fields of the broker's confirmation form (action, handshake code, CSRF field); undefined if the page has none. */
export function confirmationForm(html: string): { action: string; code: string; csrf: string } | undefined {
  const unescape = (value: string | undefined) => value?.replace(/&amp;/g, '&');
  const field = (name: string) => unescape(new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]) ?? '';
  const action = unescape(/<form method="post" action="([^"]+)"/.exec(html)?.[1]);
  return action ? { action, code: field('code'), csrf: field('csrf') } : undefined;
}

/** The broker's poll-mode confirmation page (it asks for the user code). */
export const isConfirmationPage = (response: BrowserResponse) => response.status === 200 && /name="userCode"/.test(response.body);

/** Types `userCode` into the broker's confirmation page and submits its form, as a person would; follows the answer. */
export async function submitUserCode(browser: Browser, page: BrowserResponse, userCode: string, stop?: (next: string) => boolean): Promise<BrowserResponse> {
  const form = confirmationForm(page.body);
  if (!form) throw new Error(`no confirmation form at ${page.url}`);
  const body = new URLSearchParams({ code: form.code, csrf: form.csrf, userCode }).toString();
  return browser.follow(new URL(form.action, page.url).toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' }, body }, stop);
}

/**
 * Completes oidc-provider's development login and consent pages as a person would, starting from our
 * provider-auth URL, and stops when the provider redirects back to `callbackPrefix` (without following it).
 * Returns the callback URL the provider produced.
 */
export async function authorizeAtProvider(
  browser: Browser,
  startUrl: string,
  callbackPrefix: string,
  login: string,
  options: { abort?: boolean; userCode?: string } = {},
): Promise<string> {
  const isCallback = (next: string) => next.startsWith(callbackPrefix);
  let response = await browser.follow(startUrl, undefined, isCallback);
  if (isConfirmationPage(response)) {
    if (!options.userCode) throw new Error(`the broker asks for a user code at ${response.url}, and none was given`);
    response = await submitUserCode(browser, response, options.userCode, isCallback);
  }
  for (let step = 0; step < 4 && response.status === 200; step++) {
    const prompt = /name="prompt" value="(\w+)"/.exec(response.body)?.[1];
    if (!prompt) throw new Error(`unexpected provider page at ${response.url}: ${response.body.slice(0, 200)}`);
    if (options.abort) {
      response = await browser.follow(`${response.url.replace(/\/$/, '')}/abort`, undefined, isCallback);
      break;
    }
    const form = prompt === 'login' ? `prompt=login&login=${encodeURIComponent(login)}&password=x` : `prompt=${prompt}`;
    response = await browser.follow(response.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }, isCallback);
  }
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || !location || !isCallback(new URL(location, response.url).toString())) {
    throw new Error(`the provider did not redirect back (status ${response.status} at ${response.url})`);
  }
  return new URL(location, response.url).toString();
}
