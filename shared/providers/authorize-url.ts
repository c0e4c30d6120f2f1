import { pkceChallenge } from '../crypto/pkce';
import type { ResolvedProvider } from './directory';

export interface AuthorizeRequest {
  state: string;
  redirectUri: string;
  /** Present when the row uses PKCE; its S256 challenge is sent. */
  pkceVerifier?: string;
}

/** The redirect URI with the state in its query, for providers that carry no `state` of their own. */
export function redirectUriWithState(redirectUri: string, state: string): string {
  const url = new URL(redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}

/**
 * The provider's authorize URL for one handshake (RFC 6749 §4.1.1 / §4.2.1 plus RFC 7636), as the row says:
 * its extra parameters first, so they can never replace the client, the redirect, the state or the challenge.
 * Built with URL rather than simple-oauth2 so that starting a handshake does not load the exchange library.
 *
 * @example
 * buildAuthorizeUrl(provider, { state, redirectUri, pkceVerifier }) // https://gitlab.com/oauth/authorize?response_type=code&...
 */
export function buildAuthorizeUrl(provider: ResolvedProvider, request: AuthorizeRequest): string {
  const { row } = provider;
  const url = new URL(provider.endpoints.authorize);
  const params: Record<string, string> = {
    response_type: row.grant === 'fragment' ? 'token' : 'code',
    ...row.authorizeParams,
  };
  params[row.authorizeParamNames?.clientId ?? 'client_id'] = provider.client.clientId;
  if (row.stateInRedirectUri) {
    params[row.authorizeParamNames?.redirectUri ?? 'redirect_uri'] = redirectUriWithState(request.redirectUri, request.state);
  } else {
    params[row.authorizeParamNames?.redirectUri ?? 'redirect_uri'] = request.redirectUri;
    params.state = request.state;
  }
  if (provider.scopes.length) params.scope = provider.scopes.join(row.scopeSeparator);
  if (row.userScopes?.length) params.user_scope = row.userScopes.join(row.scopeSeparator);
  if (request.pkceVerifier) {
    params.code_challenge = pkceChallenge(request.pkceVerifier);
    params.code_challenge_method = 'S256';
  }
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
