import { redirectUriFor } from '../config';
import { HandshakeError } from '../errors';
import type { ResolvedProvider } from '../providers/directory';
import { ProviderHttpError } from '../providers/http';
import { refreshAccessToken } from '../providers/exchange';
import type { ProviderToken } from '../providers/token-response';
import type { Runtime } from '../runtime';
import type { StoredToken } from '../stores/tokens';
import { providerInfoEntry, providerInfoSet, type ProviderInfoEntry } from './me-object';
import { publishSafely } from './publish';

/** `GET /provider-refresh/{provider}`'s answer: the refreshed entry, as the me-object shows it. */
export type RefreshResult = ProviderInfoEntry & { provider: string; host?: string };

export interface RefreshRequest {
  provider: string;
  host?: string;
}

/**
 * `GET /provider-refresh/{provider}` (Bearer session): refreshes the **stored** token with the **stored**
 * refresh token (never one from the request), keeps a rotated refresh token, stores and publishes the result.
 * A grant the provider no longer honours (`invalid_grant` and the row's equivalents) marks the stored token
 * `data.needsReauth`, publishes that, and answers PRVD-1011 `{provider, error: 'invalid_grant', reauth: true}`.
 *
 * @example
 * const entry = await refreshProviderToken(rt, bearer, { provider: 'gitlab' });
 */
export async function refreshProviderToken(rt: Runtime, sessionToken: string | undefined, request: RefreshRequest): Promise<RefreshResult> {
  const { userId } = await rt.sessions.verify(sessionToken);
  const provider = await rt.providers.resolve(request.provider, request.host || undefined);
  const { id } = provider.row;
  const stored = await rt.tokens.get(userId, id, provider.host);
  if (!stored) throw new HandshakeError('RAPI-1003', undefined, { provider: id });
  if (!provider.row.refresh || !stored.refreshToken) throw new HandshakeError('PRVD-1012', undefined, { provider: id });

  let fresh: ProviderToken;
  try {
    fresh = await refreshAccessToken(provider, stored.refreshToken, rt.http, rt.now(), redirectUriFor(rt.config, provider.row.id));
  } catch (err) {
    if (!(err instanceof ProviderHttpError)) throw err;
    rt.logger.warn('token refresh failed', { provider: id, userId, status: err.status, providerError: err.providerError });
    return refused(rt, userId, provider, stored, err);
  }

  const { needsReauth: _cleared, ...data } = { ...stored.data, ...fresh.data };
  const token: ProviderToken = { ...fresh, refreshToken: fresh.refreshToken ?? stored.refreshToken, data };
  // Written only over the token this refresh started from: a disconnect or another refresh meanwhile wins.
  const outcome = await rt.tokens.replace(userId, stored, token);
  if (!outcome.written) {
    rt.logger.info('refresh lost a race', { provider: id, userId, current: Boolean(outcome.current) });
    if (!outcome.current) throw new HandshakeError('RAPI-1003', 'the connection was removed while it was being refreshed', { provider: id });
    return answer(id, provider.host, outcome.current);
  }
  await publishSafely(rt, userId, { $set: providerInfoSet(id, provider.host, token) }, { provider: id, flow: 'refresh' }, outcome.version);
  rt.metrics.tokenRefreshed(id);
  rt.logger.info('token refreshed', { provider: id, userId, rotated: Boolean(fresh.refreshToken && fresh.refreshToken !== stored.refreshToken) });
  return answer(id, provider.host, token);
}

/** The provider refused or could not be reached: what the agent is told (TokenRefreshFailed, unless another refresh won). */
async function refused(rt: Runtime, userId: string, provider: ResolvedProvider, stored: StoredToken, err: ProviderHttpError): Promise<RefreshResult> {
  const { id, reauthErrors = ['invalid_grant'] } = provider.row;
  const failed = (failure: HandshakeError) => {
    rt.metrics.tokenRefreshFailed(id);
    return failure;
  };
  if (err.providerError && reauthErrors.includes(err.providerError)) {
    const { provider: _p, host: _h, version: _v, ...token } = stored;
    const marked: ProviderToken = { ...token, data: { ...token.data, needsReauth: true } };
    // Marked only if nothing replaced the token since we read it: a concurrent refresh that rotated the
    // refresh token we used a moment ago wins, and its result stands.
    const outcome = await rt.tokens.replace(userId, stored, marked);
    if (outcome.written) {
      await publishSafely(rt, userId, { $set: providerInfoSet(id, provider.host, marked) }, { provider: id, flow: 'refresh' }, outcome.version);
    } else if (outcome.current && outcome.current.refreshToken !== stored.refreshToken) {
      return answer(id, provider.host, outcome.current);
    }
    throw failed(new HandshakeError('PRVD-1011', undefined, { provider: id, error: 'invalid_grant', reauth: true }));
  }
  // The provider or the way to it failed: trying again later is safe.
  if (err.status === undefined || err.status >= 500) throw failed(new HandshakeError('SRV-1000'));
  throw failed(new HandshakeError('RAPI-1010', undefined, { provider: id, error: err.providerError ?? 'refresh_failed' }));
}

function answer(provider: string, host: string | undefined, token: ProviderToken): RefreshResult {
  return { provider, ...(host ? { host } : {}), ...providerInfoEntry(token) };
}
