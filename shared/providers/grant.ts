import type { ProviderRow } from './catalog';
import type { ResolvedProvider } from './directory';
import { buildAuthorizeUrl, redirectUriWithState, type AuthorizeRequest } from './authorize-url';
import { exchangeCode, parsedOrRefused } from './exchange';
import type { ProviderHttp } from './http';
import { exchangeVerifier, oauth1AuthorizeUrl, requestTemporaryCredentials } from './oauth1';
import type { ProviderToken } from './token-response';

/**
 * The three grants of the catalog (`code`, `fragment`, `oauth1`) at their two ends: where the browser is
 * sent, and what the callback must find to get a token. The flows call these and never look at the kind.
 */

/** What the provider sent back to the callback, by grant kind. */
export type CallbackGrant =
  | { kind: 'code'; code: string }
  | { kind: 'token'; params: Record<string, string> }
  | { kind: 'oauth1'; token: string; verifier: string };

/**
 * Where to send the browser. OAuth 1.0a first obtains temporary credentials, whose callback carries the state
 * (RFC 5849 has no state parameter); the others are a plain authorize URL.
 */
export async function authorizeLocation(provider: ResolvedProvider, request: AuthorizeRequest, http: ProviderHttp, now: number): Promise<string> {
  if (provider.row.grant !== 'oauth1') return buildAuthorizeUrl(provider, request);
  const temporaryToken = await requestTemporaryCredentials(provider, redirectUriWithState(request.redirectUri, request.state), http, now);
  return oauth1AuthorizeUrl(provider, temporaryToken);
}

/**
 * Reads the callback's parameters for the row's grant: a refusal (`error`, OAuth 1.0a's `oauth_problem` or a
 * `denied` verifier), the grant, or neither when something is missing.
 */
export function readCallback(row: ProviderRow, params: Record<string, string>): { error?: string; grant?: CallbackGrant } {
  if (params.error) return { error: params.error };
  switch (row.grant) {
    case 'code':
      return params.code ? { grant: { kind: 'code', code: params.code } } : {};
    case 'fragment':
      return params[row.tokenResponse?.accessTokenField ?? 'access_token'] ? { grant: { kind: 'token', params } } : {};
    case 'oauth1':
      if (params.oauth_problem) return { error: params.oauth_problem };
      // Atlassian's OAuth provider sends the user back with `oauth_verifier=denied` when they refuse.
      if (params.oauth_verifier === 'denied') return { error: 'access_denied' };
      return params.oauth_token && params.oauth_verifier ? { grant: { kind: 'oauth1', token: params.oauth_token, verifier: params.oauth_verifier } } : {};
  }
}

/** Turns the grant into a token: exchanges a code or a verifier, or reads the token a fragment carried. */
export async function redeemGrant(
  provider: ResolvedProvider,
  grant: CallbackGrant,
  context: { redirectUri: string; pkceVerifier?: string },
  http: ProviderHttp,
  now: number,
): Promise<ProviderToken> {
  switch (grant.kind) {
    case 'code':
      return exchangeCode(provider, { code: grant.code, redirectUri: context.redirectUri, pkceVerifier: context.pkceVerifier }, http, now);
    case 'token':
      return parsedOrRefused(provider, grant.params, now);
    case 'oauth1':
      return exchangeVerifier(provider, grant, http, now);
  }
}
