import { decodeJwt } from 'jose';
import type { TokenResponseShape } from './catalog';

/** A provider's token as the broker keeps it (decrypted form). */
export interface ProviderToken {
  accessToken: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
  tokenType?: string;
  scope?: string;
  /** OAuth 1.0a token secret (RFC 5849 §2.3). Kept encrypted with the token; never shown to the agent. */
  tokenSecret?: string;
  /** Non-secret facts kept beside the token and shown to the agent (provider user id, login, ...). */
  data: Record<string, unknown>;
}

/** The value at a dotted path (`authed_user.id`); `''` is the object itself. */
export function valueAt(body: unknown, path: string): unknown {
  if (path === '') return body;
  let value: unknown = body;
  for (const key of path.split('.')) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Turns an RFC 6749 §5.1 token response (or the parameters of a token fragment, §4.2.2) into a
 * ProviderToken, reading it where the row's shape says (Slack nests the user token under `authed_user`).
 * Unknown fields are dropped: some providers put secrets (id_token, signing keys) beside the access token
 * that the agent does not need. Undefined when there is no access token.
 *
 * @example
 * parseTokenResponse({ ok: true, authed_user: { access_token: 'xoxp-1' } }, Date.now(), { tokenAt: ['authed_user', ''] })
 */
export function parseTokenResponse(body: Record<string, unknown>, now: number, shape: TokenResponseShape = {}): ProviderToken | undefined {
  const field = shape.accessTokenField ?? 'access_token';
  const source = (shape.tokenAt ?? ['']).map((path) => valueAt(body, path)).find((candidate): candidate is Record<string, unknown> => {
    const token = (candidate as Record<string, unknown> | undefined)?.[field];
    return typeof token === 'string' && token.length > 0;
  });
  if (!source) return undefined;
  const expiresIn = source.expires_in === undefined || source.expires_in === null || source.expires_in === '' ? Number(shape.defaultExpiresIn) : Number(source.expires_in);
  const data: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(shape.data ?? {})) {
    const value = valueAt(body, path);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') data[name] = value;
  }
  for (const [name, claim] of Object.entries(shape.idTokenClaims ?? {})) {
    const value = idTokenClaim(body.id_token, claim);
    if (value !== undefined) data[name] = value;
  }
  return {
    accessToken: source[field] as string,
    ...(typeof source.refresh_token === 'string' && source.refresh_token ? { refreshToken: source.refresh_token } : {}),
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: now + expiresIn * 1000 } : {}),
    ...(typeof source.token_type === 'string' ? { tokenType: source.token_type } : {}),
    ...(typeof source.scope === 'string' ? { scope: source.scope } : {}),
    data,
  };
}

/**
 * A claim of the ID token in a token endpoint's answer. Not verified, and need not be: it came straight from
 * the token endpoint over TLS (OpenID Connect Core §3.1.3.7), and only non-secret facts (the tenant) are read.
 */
function idTokenClaim(idToken: unknown, claim: string): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  try {
    const value = decodeJwt(idToken)[claim];
    return typeof value === 'string' && value ? value : undefined;
  } catch {
    return undefined;
  }
}
