import { HandshakeError } from '../errors';
import { ProviderHttpError } from '../providers/http';
import { revokeToken } from '../providers/revoke';
import type { Runtime } from '../runtime';
import type { StoredToken } from '../stores/tokens';
import { providerInfoPath } from './me-object';
import { publishSafely } from './publish';

export interface DeauthRequest {
  provider: string;
  host?: string;
}

export interface DeauthResult {
  provider: string;
  host?: string;
  /** The provider confirmed the revocation (false: it has no revocation endpoint, or it failed). */
  revoked: boolean;
}

/**
 * `PUT /provider-deauth/{provider}` (Bearer session): revokes the stored token where the provider supports
 * it, deletes it, and publishes `$unset` of its me-object entry. The user asked to disconnect: a revocation
 * that fails is logged and the token is forgotten anyway; a provider no longer configured is not asked.
 *
 * @example
 * await deauthorizeProvider(rt, bearer, { provider: 'okta', host: 'acme.okta.com' });
 */
export async function deauthorizeProvider(rt: Runtime, sessionToken: string | undefined, request: DeauthRequest): Promise<DeauthResult> {
  const { userId } = await rt.sessions.verify(sessionToken);
  const row = rt.providers.row(request.provider);
  const host = rt.providers.hostFor(row, request.host || undefined);
  const stored = await rt.tokens.get(userId, row.id, host);
  const revoked = stored ? await revokeQuietly(rt, userId, stored) : false;
  // Numbered and published even when nothing was stored: another window may still hold a copy to drop.
  const version = await rt.tokens.delete(userId, row.id, host);
  await publishSafely(rt, userId, { $unset: { [providerInfoPath(row.id, host)]: true } }, { provider: row.id, flow: 'deauth' }, version);
  rt.logger.info('provider disconnected', { provider: row.id, userId, revoked, found: Boolean(stored) });
  return { provider: row.id, ...(host ? { host } : {}), revoked };
}

async function revokeQuietly(rt: Runtime, userId: string, stored: StoredToken): Promise<boolean> {
  try {
    const provider = await rt.providers.resolve(stored.provider, stored.host);
    return await revokeToken(provider, stored, rt.http);
  } catch (err) {
    if (!(err instanceof ProviderHttpError) && !(err instanceof HandshakeError)) throw err;
    rt.logger.warn('token revocation failed', { provider: stored.provider, userId, status: (err as ProviderHttpError).status, reason: err instanceof HandshakeError ? err.code : (err as ProviderHttpError).providerError });
    return false;
  }
}
