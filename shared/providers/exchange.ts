import type { ResolvedProvider } from './directory';
import type { ProviderHttp } from './http';
import { ProviderHttpError } from './http';
import { parseTokenResponse, type ProviderToken } from './token-response';

export interface ExchangeRequest {
  code: string;
  redirectUri: string;
  pkceVerifier?: string;
}

/**
 * Exchanges an authorization code for a token with simple-oauth2 (RFC 6749 §4.1.3). The library is loaded
 * on first use only: the other routes never pay for its import. Throws ProviderHttpError carrying the
 * provider's `error` code, never the response body.
 */
export async function exchangeCode(provider: ResolvedProvider, request: ExchangeRequest, http: ProviderHttp, now: number): Promise<ProviderToken> {
  const { AuthorizationCode } = await import('simple-oauth2');
  const tokenUrl = new URL(provider.endpoints.token);
  const client = new AuthorizationCode({
    client: { id: provider.client.clientId, secret: provider.client.clientSecret ?? '' },
    auth: { tokenHost: tokenUrl.origin, tokenPath: tokenUrl.pathname + tokenUrl.search },
    options: { authorizationMethod: provider.row.clientAuth, bodyFormat: provider.row.tokenRequestFormat },
    http: { timeout: http.timeoutMs, redirects: 0 },
  });
  let body: Record<string, unknown>;
  try {
    const params: Record<string, string> = { code: request.code, redirect_uri: request.redirectUri };
    if (request.pkceVerifier) params.code_verifier = request.pkceVerifier;
    // simple-oauth2 types its params narrowly; code_verifier is passed through to the body as RFC 7636 asks.
    const token = await client.getToken(params as unknown as Parameters<typeof client.getToken>[0]);
    body = token.token as Record<string, unknown>;
  } catch (err) {
    throw toProviderError(err, provider.row.id);
  }
  // GitHub answers 200 with {error} for a bad code; treat any token response without a token as refused.
  const parsed = parseTokenResponse(body, now);
  if (!parsed) throw new ProviderHttpError(`${provider.row.id} returned no access token`, 200, errorField(body));
  return parsed;
}

function errorField(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error.slice(0, 64) : undefined;
}

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
