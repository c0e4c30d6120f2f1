import { providerCallBound } from '../request-context';

/**
 * How the broker talks to providers over HTTP: the fetch to use (tests may pass one bound to a local
 * server) and one bound on every call, so a slow provider cannot hold a Lambda until it times out.
 */
export interface ProviderHttp {
  fetch: typeof fetch;
  timeoutMs: number;
}

export const defaultProviderHttp = (timeoutMs = 10_000): ProviderHttp => ({ fetch: globalThis.fetch, timeoutMs });

export class ProviderHttpError extends Error {
  override name = 'ProviderHttpError';
  constructor(
    message: string,
    readonly status?: number,
    /** The provider's OAuth error code (`invalid_grant`, ...), when it sent one. */
    readonly providerError?: string,
  ) {
    super(message);
  }
}

/**
 * A provider's OAuth error code (`invalid_grant`, `access_denied`, ...) if the value looks like one, else
 * undefined: the code is shown to agents and logged, a provider's free text is neither.
 */
export function oauthErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w.-]{1,64}$/.test(value) ? value : undefined;
}

export interface ProviderRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
}

export interface ProviderAnswer {
  status: number;
  text: string;
}

/** Any request to a provider, with the bound applied; answers whatever status came back. Throws only when unreachable. */
export async function sendToProvider(http: ProviderHttp, url: string, request: ProviderRequest = {}): Promise<ProviderAnswer> {
  let response: Response;
  try {
    response = await http.fetch(url, {
      method: request.method ?? 'GET',
      headers: { 'user-agent': 'handshake-oauth-broker', ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(providerCallBound(http.timeoutMs)),
      redirect: 'error',
    });
  } catch (err) {
    throw new ProviderHttpError(`request to ${new URL(url).host} failed: ${(err as Error).name}`);
  }
  const text = await response.text().catch(() => '');
  return { status: response.status, text };
}

/** A 2xx answer's JSON; anything else a ProviderHttpError naming `what` (the host, or the provider's call), never the body. */
export function jsonOf(what: string, answer: ProviderAnswer): unknown {
  if (answer.status < 200 || answer.status >= 300) throw new ProviderHttpError(`${what} answered ${answer.status}`, answer.status);
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new ProviderHttpError(`${what} answered invalid JSON`, answer.status);
  }
}

/** GET a JSON document from a provider, with the bound applied. Throws ProviderHttpError, never the body. */
export async function getJson(http: ProviderHttp, url: string, headers: Record<string, string> = {}): Promise<unknown> {
  return jsonOf(new URL(url).host, await sendToProvider(http, url, { headers: { accept: 'application/json', ...headers } }));
}

/** POST a JSON body (GraphQL and the like) and read a JSON answer. Throws ProviderHttpError, never the body. */
export async function postJson(http: ProviderHttp, url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const answer = await sendToProvider(http, url, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return jsonOf(new URL(url).host, answer);
}
