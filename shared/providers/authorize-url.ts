import { pkceChallenge } from '../crypto/pkce';
import type { ResolvedProvider } from './directory';

export interface AuthorizeRequest {
  state: string;
  redirectUri: string;
  /** Present when the row uses PKCE; its S256 challenge is sent. */
  pkceVerifier?: string;
}

/**
 * The provider's authorize URL for one handshake (RFC 6749 §4.1.1 plus RFC 7636). Built with URL rather
 * than simple-oauth2 so that starting a handshake does not load the exchange library (cold start).
 */
export function buildAuthorizeUrl(provider: ResolvedProvider, request: AuthorizeRequest): string {
  const url = new URL(provider.endpoints.authorize);
  const params: Record<string, string> = {
    ...provider.row.authorizeParams,
    response_type: 'code',
    client_id: provider.client.clientId,
    redirect_uri: request.redirectUri,
    scope: provider.row.scopes.join(provider.row.scopeSeparator),
    state: request.state,
  };
  if (request.pkceVerifier) {
    params.code_challenge = pkceChallenge(request.pkceVerifier);
    params.code_challenge_method = 'S256';
  }
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
