import type { ResolvedProvider } from './directory';
import type { ProviderHttp } from './http';
import { ProviderHttpError } from './http';
import { parseTokenResponse, type ProviderToken } from './token-response';
import { providerCallBound } from '../request-context';

export interface ExchangeRequest {
  code: string;
  redirectUri: string;
  pkceVerifier?: string;
}

/** simple-oauth2's AuthorizationCode client, as typed by its loader. */
type TokenClient = InstanceType<(typeof import('simple-oauth2'))['AuthorizationCode']>;

/**
 * A simple-oauth2 client bound to one provider's token endpoint, client authentication and body format. The
 * library is loaded on first use only: the other routes never pay for its import.
 */
async function tokenClient(provider: ResolvedProvider, http: ProviderHttp): Promise<TokenClient> {
  if (!provider.endpoints.token) throw new ProviderHttpError(`${provider.row.id} has no token endpoint`);
  const { AuthorizationCode } = await import('simple-oauth2');
  const tokenUrl = new URL(provider.endpoints.token);
  return new AuthorizationCode({
    client: { id: provider.client.clientId, secret: provider.client.clientSecret ?? '' },
    auth: { tokenHost: tokenUrl.origin, tokenPath: tokenUrl.pathname + tokenUrl.search },
    options: { authorizationMethod: provider.row.clientAuth, bodyFormat: provider.row.tokenRequestFormat },
    // `json: true` parses JSON answers only; simple-oauth2's default ('strict') turns a provider's non-JSON
    // error page (a 502 from its proxy) into a 406 and hides the provider's own status.
    http: { timeout: providerCallBound(http.timeoutMs), redirects: 0, json: true, ...(provider.row.tokenHeaders ? { headers: provider.row.tokenHeaders } : {}) },
  });
}

/**
 * Exchanges an authorization code for a token with simple-oauth2 (RFC 6749 §4.1.3). Throws
 * ProviderHttpError carrying the provider's `error` code, never the response body.
 */
export async function exchangeCode(provider: ResolvedProvider, request: ExchangeRequest, http: ProviderHttp, now: number): Promise<ProviderToken> {
  const params: Record<string, string> = { ...provider.row.tokenParams, code: request.code, redirect_uri: request.redirectUri };
  if (request.pkceVerifier) params.code_verifier = request.pkceVerifier;
  // simple-oauth2 types its params narrowly; code_verifier and the row's extras pass through to the body.
  return tokenRequest(provider, http, now, async (client) => (await client.getToken(params as unknown as Parameters<typeof client.getToken>[0])).token);
}

/**
 * Refreshes an access token (RFC 6749 §6) with simple-oauth2's AccessToken.refresh, sending the row's
 * client authentication and extra token parameters. The answer's refresh token is absent when the provider
 * does not rotate; the caller keeps the old one then. Throws ProviderHttpError with the provider's `error`.
 *
 * @example
 * const fresh = await refreshAccessToken(provider, stored.refreshToken, rt.http, rt.now());
 */
export async function refreshAccessToken(provider: ResolvedProvider, refreshToken: string, http: ProviderHttp, now: number, redirectUri?: string): Promise<ProviderToken> {
  return tokenRequest(provider, http, now, async (client) => {
    const current = client.createToken({ refresh_token: refreshToken });
    const params = { ...provider.row.tokenParams, ...(provider.row.refreshSendsRedirectUri && redirectUri ? { redirect_uri: redirectUri } : {}) };
    return (await current.refresh(params as Parameters<typeof current.refresh>[0])).token;
  });
}

/** One call to the token endpoint: its answer parsed into a token, its failures as ProviderHttpError. */
async function tokenRequest(provider: ResolvedProvider, http: ProviderHttp, now: number, call: (client: TokenClient) => Promise<unknown>): Promise<ProviderToken> {
  const client = await tokenClient(provider, http);
  let body: Record<string, unknown>;
  try {
    body = { ...(await call(client)) as Record<string, unknown> };
  } catch (err) {
    throw toProviderError(err, provider.row.id);
  }
  return parsedOrRefused(provider, body, now);
}

/**
 * The token in a token endpoint's answer, or a ProviderHttpError with the provider's error code. GitHub and
 * Slack answer 200 with `{error}` for a bad code: any answer without a token counts as refused.
 */
export function parsedOrRefused(provider: ResolvedProvider, body: Record<string, unknown>, now: number): ProviderToken {
  const parsed = parseTokenResponse(body, now, provider.row.tokenResponse);
  if (!parsed) throw new ProviderHttpError(`${provider.row.id} returned no access token`, 200, errorField(body));
  return parsed;
}

function errorField(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error.slice(0, 64) : undefined;
}

/** simple-oauth2 (Boom) errors as ProviderHttpError: the status and the provider's `error`, nothing else. */
function toProviderError(err: unknown, providerId: string): ProviderHttpError {
  const boom = err as { isBoom?: boolean; output?: { statusCode?: number }; data?: { payload?: unknown }; message?: string };
  if (boom?.isBoom) {
    const status = boom.output?.statusCode;
    let payload = boom.data?.payload;
    if (Buffer.isBuffer(payload)) {
      try {
        payload = JSON.parse(payload.toString('utf8'));
      } catch {
        payload = undefined;
      }
    }
    return new ProviderHttpError(`${providerId} token endpoint answered ${status ?? 'an error'}`, status, errorField(payload));
  }
  return new ProviderHttpError(`${providerId} token endpoint unreachable`);
}
