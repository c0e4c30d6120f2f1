import { errorPageFor, successPageFor } from '../config';
import { randomToken, sha256 } from '../crypto/random';
import { asHandshakeError, HandshakeError, type ErrorCode } from '../errors';
import { readCallback, redeemGrant } from '../providers/grant';
import { oauthErrorCode, ProviderHttpError } from '../providers/http';
import { fetchIdentity, type ProviderIdentity } from '../providers/identity';
import type { ProviderToken } from '../providers/token-response';
import type { Runtime } from '../runtime';
import { openState, type OpenedState } from '../state';
import type { HandshakeRecord } from '../stores/handshakes';
import { checkBinding } from './binding';
import type { HandshakeResult } from './handshake-result';
import { loopbackLocation } from './loopback-redirect';
import { accountLabel, sealSuccessSummary } from './success-summary';
import { outOfTime, requestContext } from '../request-context';

export interface CallbackRequest {
  provider: string;
  query: Record<string, string>;
  cookies: Record<string, string>;
}

/** Where the browser goes next: the agent's loopback listener, or the success or error page. */
export interface CallbackOutcome {
  location: string;
}

type Obtained = { result: HandshakeResult } | { failure: { code: ErrorCode; error: string } };

/**
 * `GET /no-auth/provider-token/{provider}`: the OAuth callback. The checks, in this order:
 * 1. a `state` (RAPI-1001), sealed by this environment for this provider and not expired (AUTH-1002, AUTH-1005);
 * 2. the browser binding cookie of that state (AUTH-1007): a victim's browser cannot complete an attacker's
 *    provider session;
 * 3. the visit is spent with one conditional write (AUTH-1008), so a state completes at most once; the same
 *    browser reloading a finished callback sees its outcome again;
 * 4. the provider's refusal (USRC-1022), the grant (RAPI-1001), the exchange (RAPI-1010), the provider
 *    account (USRC-1022);
 * then the result is kept, encrypted, on the handshake for its agent to claim. Nothing is committed here.
 */
export async function completeCallback(rt: Runtime, request: CallbackRequest): Promise<CallbackOutcome> {
  const { query } = request;
  if (!query.state) throw new HandshakeError('RAPI-1001', 'state is required');
  const state = await openState(query.state, request.provider, { key: rt.keys.state, environment: rt.config.environment, now: rt.now() });
  checkBinding(request.cookies, state.nonce);
  const codeHash = sha256(state.handshakeCode);
  const spent = await rt.handshakes.beginExchange(codeHash, sha256(state.nonce));
  if (!spent.done) return shownAgain(rt, state, spent.current);

  // From here the provider's code is spent: whatever goes wrong is recorded on the handshake, so that the
  // agent's next claim learns it instead of waiting for the expiry.
  let obtained: Obtained;
  let ready: HandshakeRecord | undefined;
  const oneTime = spent.record.mode === 'loopback' ? randomToken(32) : undefined;
  try {
    obtained = await obtain(rt, state, query);
    if ('result' in obtained) {
      const { result } = obtained;
      const kept = await rt.handshakes.complete(codeHash, { result, resultHash: oneTime && sha256(oneTime), providerAccount: result.identity && accountLabel(result.identity) });
      if (!kept.done) throw new HandshakeError('SRV-1000');
      ready = kept.record;
    }
  } catch (err) {
    const failure = asHandshakeError(err);
    rt.logger.warn('callback failed after the exchange began', { provider: state.provider, flow: state.flow, errorCode: failure.code, errorName: (err as Error).name });
    return failed(rt, state, spent.record, { code: failure.code, error: 'server_error' });
  }
  if ('failure' in obtained) return failed(rt, state, spent.record, obtained.failure);
  rt.logger.info('handshake ready', { provider: state.provider, flow: state.flow, mode: spent.record.mode });
  const complete = await successLocation(rt, ready!);
  if (!oneTime) return { location: complete };
  return { location: loopbackLocation(spent.record.redirectUri!, { code: state.handshakeCode, result: oneTime, complete }) };
}

async function obtain(rt: Runtime, state: OpenedState, query: Record<string, string>): Promise<Obtained> {
  const { error, grant } = readCallback(rt.providers.row(state.provider), query);
  if (error) return refusal('USRC-1022', error);
  if (!grant) return refusal('RAPI-1001', 'missing_code');

  const provider = await rt.providers.resolve(state.provider, state.host);
  let token: ProviderToken;
  try {
    token = await redeemGrant(provider, grant, { redirectUri: state.redirectUri, pkceVerifier: state.pkceVerifier }, rt.http, rt.now());
  } catch (err) {
    if (!(err instanceof ProviderHttpError)) throw err;
    rt.logger.warn('code exchange failed', { provider: state.provider, status: err.status, providerError: err.providerError });
    if (outOfTime()) throw ranOutOfTime();
    return refusal('RAPI-1010', err.providerError ?? 'exchange_failed');
  }
  // Both flows read the account: sign-up to find the user, connect to say which account went where. For a
  // token from a URL fragment this is also where the provider says whether the token is ours (Trello
  // refuses a token used with any key but the one it was issued to).
  // A connect goes on without the account when the provider cannot say (the token is what the person asked
  // for); a sign-up cannot (it is how the user is found), nor can a fragment token (it is the only proof).
  let identity: ProviderIdentity;
  try {
    identity = await fetchIdentity(provider, token.accessToken, rt.http, rt.now());
  } catch (err) {
    if (!(err instanceof ProviderHttpError)) throw err;
    if (outOfTime()) throw ranOutOfTime();
    // Only when the provider could not answer (network, timeout, 5xx, 429): a 4xx says the token itself is refused.
    const unanswered = err.status === undefined || err.status >= 500 || err.status === 429;
    const optional = unanswered && state.flow === 'connect' && provider.row.grant !== 'fragment';
    rt.logger.warn(optional ? 'identity lookup failed; connecting without the account' : 'identity lookup failed', { provider: state.provider, status: err.status });
    if (optional) return { result: { token } };
    return refusal('USRC-1022', 'identity_unavailable');
  }
  const label = accountLabel(identity);
  const account = {
    userId: identity.subject,
    ...(identity.username ? { username: identity.username } : {}),
    ...(identity.email ? { email: identity.email } : {}),
    account: { id: identity.subject, ...(label ? { name: label } : {}) },
    ...identity.facts,
  };
  return { result: { token: { ...token, data: { ...token.data, ...account } }, identity } };
}

/**
 * The provider calls were cut to the function's time (less the margin for writing the outcome) and it is
 * spent: our failure, not the provider's refusal. Recorded as SRV-1000; the page shows the reference id.
 */
const ranOutOfTime = () => new HandshakeError('SRV-1000', "the provider did not answer within the function's time");

/** A provider-side refusal, with the provider's OAuth error code (cut short; never its free-text description). */
const refusal = (code: ErrorCode, providerError: string): Obtained => ({ failure: { code, error: oauthErrorCode(providerError) ?? 'provider_error' } });

/** Records the failure for the claim, then tells the browser (and, in loopback mode, the agent). */
async function failed(rt: Runtime, state: OpenedState, record: HandshakeRecord, failure: { code: ErrorCode; error: string }): Promise<CallbackOutcome> {
  // If even this write fails, the claim still ends: an exchange older than the callback can run is failed.
  const recorded = await rt.handshakes.fail(record.codeHash, failure).catch((err: Error) => {
    rt.logger.warn('recording the failure failed', { provider: state.provider, errorName: err.name });
    return undefined;
  });
  // Counted once: unless the record had already left `exchanging` (then this failure was not its end).
  if (recorded?.done !== false) rt.metrics.handshakeFailed({ provider: record.provider, flow: record.flow, mode: record.mode, errorCode: failure.code });
  rt.logger.info('handshake failed', { provider: state.provider, flow: state.flow, errorCode: failure.code, providerError: failure.error, referenceId: requestContext()?.referenceId });
  const complete = errorLocation(rt, failure, state.provider);
  if (record.mode !== 'loopback') return { location: complete };
  return { location: loopbackLocation(record.redirectUri!, { code: state.handshakeCode, error: failure.code, complete }) };
}

/**
 * The visit was already spent. In the browser that holds its binding (checked above) a reload or a prefetch
 * of a finished callback shows that outcome again; anything else is a replay.
 */
async function shownAgain(rt: Runtime, state: OpenedState, record: HandshakeRecord | undefined): Promise<CallbackOutcome> {
  if (!record) throw new HandshakeError('AUTH-1002');
  const ours = record.nonceHash === sha256(state.nonce);
  if (ours && (record.status === 'ready' || record.status === 'committing' || record.status === 'claimed')) return { location: await successLocation(rt, record) };
  if (ours && record.status === 'failed' && record.failure) return { location: errorLocation(rt, record.failure, state.provider) };
  if (rt.now() >= record.expiresAt) throw new HandshakeError('AUTH-1005');
  throw new HandshakeError('AUTH-1008');
}

async function successLocation(rt: Runtime, record: HandshakeRecord): Promise<string> {
  const summary = await sealSuccessSummary(
    {
      flow: record.flow,
      provider: record.provider,
      ...(record.client?.name ? { client: record.client.name } : {}),
      ...(record.providerAccount ? { providerAccount: record.providerAccount } : {}),
      ...(record.account ? { account: record.account } : {}),
    },
    rt.keys.pages,
    rt.config.environment,
    rt.now(),
  );
  return successPageFor(rt.config, record.provider, summary);
}

const errorLocation = (rt: Runtime, failure: { code: string; error: string }, provider: string) =>
  errorPageFor(rt.config, failure.code, provider, failure.error === 'access_denied' ? 'cancelled' : undefined);
