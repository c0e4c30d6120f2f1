import { createHmac, createSign } from 'node:crypto';
import { randomToken } from '../crypto/random';
import type { ResolvedProvider } from './directory';
import { oauthErrorCode, ProviderHttpError, sendToProvider, type ProviderAnswer, type ProviderHttp } from './http';
import type { ProviderToken } from './token-response';

/**
 * OAuth 1.0a (RFC 5849) as Jira Server / Data Center speaks it: RSA-SHA1 signatures made with the
 * consumer's private key, OAuth parameters in the Authorization header, form-encoded answers.
 */

/** RFC 5849 §3.6: UTF-8, then every octet but ALPHA / DIGIT / "-" / "." / "_" / "~" as %XX (uppercase). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The signature base string (RFC 5849 §3.4.1): method, base string URI (lowercase scheme and host, default
 * port dropped, no query), and the normalised parameters: the URI's query parameters plus `params` (the
 * `oauth_*` protocol parameters and any form body parameters), each encoded, sorted by name then value.
 *
 * @example
 * signatureBaseString('GET', 'http://example.com/request?b=1', [['oauth_consumer_key', 'key']])
 * // 'GET&http%3A%2F%2Fexample.com%2Frequest&b%3D1%26oauth_consumer_key%3Dkey'
 */
export function signatureBaseString(method: string, url: string, params: ReadonlyArray<readonly [string, string]>): string {
  const target = new URL(url);
  // §3.4.1.2: URL lowercases the scheme and host and drops a default port; the path keeps its case.
  const baseUri = `${target.protocol}//${target.host}${target.pathname}`;
  const all = [...target.searchParams.entries(), ...params]
    .filter(([name]) => name !== 'oauth_signature' && name !== 'realm')
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const normalized = all.map(([name, value]) => `${name}=${value}`).join('&');
  return [method.toUpperCase(), percentEncode(baseUri), percentEncode(normalized)].join('&');
}

/** RSA-SHA1 (RFC 5849 §3.4.3): PKCS#1 v1.5 over SHA-1 of the base string, base64. Only the private key signs. */
export function signRsaSha1(baseString: string, privateKeyPem: string): string {
  return createSign('RSA-SHA1').update(baseString, 'utf8').sign(privateKeyPem, 'base64');
}

/** HMAC-SHA1 (RFC 5849 §3.4.2): keyed by the encoded client secret and token secret joined with "&". */
export function signHmacSha1(baseString: string, clientSecret: string, tokenSecret = ''): string {
  return createHmac('sha1', `${percentEncode(clientSecret)}&${percentEncode(tokenSecret)}`).update(baseString, 'utf8').digest('base64');
}

/** The `Authorization: OAuth ...` header value (RFC 5849 §3.5.1). */
export function authorizationHeader(oauthParams: Record<string, string>): string {
  return `OAuth ${Object.entries(oauthParams)
    .map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`)
    .join(', ')}`;
}

export interface SignedRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The token credentials or temporary credentials, once there are some. */
  token?: string;
  /** Further protocol parameters: `oauth_callback`, `oauth_verifier`. */
  oauth?: Record<string, string>;
  accept?: string;
}

/** Signs and sends one request with the consumer key and RSA private key of `provider`. */
export async function sendSigned(provider: ResolvedProvider, request: SignedRequest, http: ProviderHttp, now: number, nonce = randomToken(16)) {
  const oauth: Record<string, string> = {
    oauth_consumer_key: provider.client.clientId,
    oauth_nonce: nonce,
    oauth_signature_method: 'RSA-SHA1',
    oauth_timestamp: String(Math.floor(now / 1000)),
    oauth_version: '1.0',
    ...(request.token ? { oauth_token: request.token } : {}),
    ...request.oauth,
  };
  const base = signatureBaseString(request.method, request.url, Object.entries(oauth));
  oauth.oauth_signature = signRsaSha1(base, provider.client.privateKey!);
  return sendToProvider(http, request.url, {
    method: request.method,
    headers: { authorization: authorizationHeader(oauth), ...(request.accept ? { accept: request.accept } : {}) },
  });
}

/** A form-encoded OAuth answer; a failure carries `oauth_problem` (the OAuth Problem Reporting extension Jira uses). */
function formAnswer(provider: ResolvedProvider, step: string, answer: ProviderAnswer): URLSearchParams {
  const fields = new URLSearchParams(answer.text);
  if (answer.status !== 200) {
    const problem = fields.get('oauth_problem');
    throw new ProviderHttpError(`${provider.row.id} ${step} answered ${answer.status}`, answer.status, oauthErrorCode(problem));
  }
  return fields;
}

/**
 * Temporary credentials (RFC 5849 §2.1) for a callback that carries our state. Their secret is not kept:
 * RSA-SHA1 signs with the private key alone, so the token-credentials request does not need it.
 */
export async function requestTemporaryCredentials(provider: ResolvedProvider, callbackUrl: string, http: ProviderHttp, now: number): Promise<string> {
  const answer = await sendSigned(provider, { method: 'POST', url: provider.endpoints.requestToken!, oauth: { oauth_callback: callbackUrl } }, http, now);
  const fields = formAnswer(provider, 'request-token', answer);
  const token = fields.get('oauth_token');
  if (!token || fields.get('oauth_callback_confirmed') !== 'true') {
    throw new ProviderHttpError(`${provider.row.id} request-token answer is not usable`, answer.status);
  }
  return token;
}

/** Where the browser authorizes the temporary credentials (RFC 5849 §2.2). */
export function oauth1AuthorizeUrl(provider: ResolvedProvider, temporaryToken: string): string {
  const url = new URL(provider.endpoints.authorize);
  url.searchParams.set('oauth_token', temporaryToken);
  return url.toString();
}

/** Token credentials for the verifier the callback received (RFC 5849 §2.3). */
export async function exchangeVerifier(provider: ResolvedProvider, grant: { token: string; verifier: string }, http: ProviderHttp, now: number): Promise<ProviderToken> {
  const answer = await sendSigned(provider, { method: 'POST', url: provider.endpoints.token!, token: grant.token, oauth: { oauth_verifier: grant.verifier } }, http, now);
  const fields = formAnswer(provider, 'access-token', answer);
  const token = fields.get('oauth_token');
  if (!token) throw new ProviderHttpError(`${provider.row.id} returned no token credentials`, answer.status);
  const expiresIn = Number(fields.get('oauth_expires_in'));
  return {
    accessToken: token,
    ...(fields.get('oauth_token_secret') ? { tokenSecret: fields.get('oauth_token_secret')! } : {}),
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: now + expiresIn * 1000 } : {}),
    data: {},
  };
}
