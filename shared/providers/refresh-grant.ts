import type { ResolvedProvider } from './directory';
import { parsedOrRefused, toProviderError, tokenClient } from './exchange';
import type { ProviderHttp } from './http';
import type { ProviderToken } from './token-response';

/**
 * Refreshes an access token (RFC 6749 §6) with simple-oauth2's AccessToken.refresh, sending the row's
 * client authentication and extra token parameters. The answer's refresh token is absent when the provider
 * does not rotate; the caller keeps the old one then. Throws ProviderHttpError with the provider's `error`.
 *
 * @example
 * const fresh = await refreshAccessToken(provider, stored.refreshToken, rt.http, rt.now());
 */
export async function refreshAccessToken(provider: ResolvedProvider, refreshToken: string, http: ProviderHttp, now: number): Promise<ProviderToken> {
  const client = await tokenClient(provider, http);
  let body: Record<string, unknown>;
  try {
    const current = client.createToken({ refresh_token: refreshToken });
    const refreshed = await current.refresh({ ...provider.row.tokenParams } as Parameters<typeof current.refresh>[0]);
    body = { ...(refreshed.token as Record<string, unknown>) };
  } catch (err) {
    throw toProviderError(err, provider.row.id);
  }
  return parsedOrRefused(provider, body, now);
}
