import type { ResolvedProvider } from './directory';
import { oauthErrorCode, ProviderHttpError, sendToProvider, type ProviderHttp } from './http';
import type { ProviderToken } from './token-response';

/**
 * Revokes a token the way the row says (RFC 7009 and the providers' own variants). Returns false when the
 * provider has no revocation endpoint; throws ProviderHttpError when it refuses or cannot be reached.
 * Under RFC 7009 the refresh token goes first: revoking it ends the grant, access tokens included.
 *
 * @example
 * const revoked = await revokeToken(provider, stored, rt.http);
 */
export async function revokeToken(provider: ResolvedProvider, token: ProviderToken, http: ProviderHttp): Promise<boolean> {
  const endpoint = provider.endpoints.revoke;
  if (!endpoint) return false;
  const targets: Array<[string, 'refresh_token' | 'access_token']> =
    endpoint.body === 'rfc7009' && token.refreshToken ? [[token.refreshToken, 'refresh_token'], [token.accessToken, 'access_token']] : [[token.accessToken, 'access_token']];

  for (const [value, hint] of targets) {
    const { clientId, clientSecret = '' } = provider.client;
    const url = endpoint.url.replaceAll('{clientId}', encodeURIComponent(clientId)).replaceAll('{token}', encodeURIComponent(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    const form = new URLSearchParams();
    let body: string | undefined;
    if (endpoint.auth === 'client-basic') {
      // RFC 6749 §2.3.1: each part form-encoded before the Basic encoding.
      headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
    } else if (endpoint.auth === 'client-body') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else if (endpoint.auth === 'bearer') {
      headers.authorization = `Bearer ${value}`;
    }
    if (endpoint.body === 'rfc7009') {
      form.set('token', value);
      form.set('token_type_hint', hint);
    }
    if (endpoint.body === 'json-access-token') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ access_token: value });
    } else if ([...form.keys()].length) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = form.toString();
    }
    const answer = await sendToProvider(http, url, { method: endpoint.method, headers, body });
    if (answer.status < 200 || answer.status >= 300) {
      throw new ProviderHttpError(`${provider.row.id} revocation answered ${answer.status}`, answer.status, oauthError(answer.text));
    }
  }
  return true;
}

const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

function oauthError(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    return oauthErrorCode(error);
  } catch {
    return undefined;
  }
}
