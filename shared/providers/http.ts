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

/** GET a JSON document from a provider, with the bound applied. Throws ProviderHttpError, never the body. */
export async function getJson(http: ProviderHttp, url: string, headers: Record<string, string> = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await http.fetch(url, {
      headers: { accept: 'application/json', 'user-agent': 'handshake-oauth-broker', ...headers },
      signal: AbortSignal.timeout(http.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw new ProviderHttpError(`request to ${new URL(url).host} failed: ${(err as Error).name}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderHttpError(`${new URL(url).host} answered ${response.status}`, response.status);
  }
  try {
    return await response.json();
  } catch {
    throw new ProviderHttpError(`${new URL(url).host} answered invalid JSON`, response.status);
  }
}

export interface ProviderRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
}

export interface ProviderAnswer {
  status: number;
  contentType: string;
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
      signal: AbortSignal.timeout(http.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw new ProviderHttpError(`request to ${new URL(url).host} failed: ${(err as Error).name}`);
  }
  const text = await response.text().catch(() => '');
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
}

/** POST a JSON body (GraphQL and the like) and read a JSON answer. Throws ProviderHttpError, never the body. */
export async function postJson(http: ProviderHttp, url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const answer = await sendToProvider(http, url, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (answer.status < 200 || answer.status >= 300) throw new ProviderHttpError(`${new URL(url).host} answered ${answer.status}`, answer.status);
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new ProviderHttpError(`${new URL(url).host} answered invalid JSON`, answer.status);
  }
}
