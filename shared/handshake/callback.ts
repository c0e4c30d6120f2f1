import { successPageFor } from '../config';
import { HandshakeError } from '../errors';
import { checkBinding, clearBindingCookie } from '../http/binding-cookie';
import type { ResolvedProvider } from '../providers/directory';
import { readCallback, redeemGrant } from '../providers/grant';
import { oauthErrorCode, ProviderHttpError } from '../providers/http';
import { fetchIdentity } from '../providers/identity';
import type { ProviderToken } from '../providers/token-response';
import type { Runtime } from '../runtime';
import { issueSessionToken } from '../sessions';
import { openState, type OpenedState } from '../state';
import { liveConnectionIds } from '../stores/connections';
import { consumeNonce } from '../stores/nonces';
import type { StoredToken } from '../stores/tokens';
import { buildMeObject, providerInfoSet, type MeObject } from './me-object';
import { publishSafely } from './publish';

export interface CallbackRequest {
  provider: string;
  query: Record<string, string>;
  cookies: Record<string, string>;
}

export interface CallbackResult {
  location: string;
  cookies: string[];
  flow: OpenedState['flow'];
  userId: string;
  /** The token just stored, for the me-channel broadcast. */
  token: ProviderToken;
  host?: string;
}

/** What check-signup hands the agent once (SPEC, sign-up step 4). */
export interface SignupResult {
  accessToken: string;
  user: MeObject;
  provider: string;
  signupStatus: 'userCreated' | 'signedIn';
}

/** A refusal after the state was opened; carries the cookie to clear so the browser is left clean. */
export class CallbackError extends HandshakeError {
  constructor(
    cause: HandshakeError,
    readonly clearCookie: string,
  ) {
    super(cause.code, cause.message, cause.info);
  }
}

/**
 * `GET /no-auth/provider-token/{provider}`: opens the state (environment, provider, expiry), checks the
 * browser binding, spends the nonce, then exchanges the code and stores the token (connect) or signs the
 * user up or in and leaves the answer for check-signup (sign-up).
 */
export async function completeHandshake(rt: Runtime, request: CallbackRequest): Promise<CallbackResult> {
  const { query } = request;
  if (!query.state) throw new HandshakeError('RAPI-1001', 'state is required');
  const state = await openState(query.state, request.provider, { key: rt.keys.state, environment: rt.config.environment, now: rt.now() });
  checkBinding(request.cookies, state.nonce);
  const clearCookie = clearBindingCookie(rt.config, state.provider, state.nonce);
  try {
    await consumeNonce(rt.table, state.nonce, state.expiresAt);
    const result = await finish(rt, state, query);
    await publishSafely(rt, result.userId, { $set: providerInfoSet(state.provider, state.host, result.token) }, { provider: state.provider, flow: state.flow }, result.connectionIds);
    return { ...result, location: successPageFor(rt.config, state.provider), cookies: [clearCookie] };
  } catch (err) {
    if (err instanceof HandshakeError) throw new CallbackError(err, clearCookie);
    throw err;
  }
}

async function finish(rt: Runtime, state: OpenedState, query: Record<string, string>) {
  const { error, grant } = readCallback(rt.providers.row(state.provider), query);
  if (error) return refused(rt, state, 'USRC-1022', error);
  if (!grant) return refused(rt, state, 'RAPI-1001', 'missing_code');

  const provider = await rt.providers.resolve(state.provider, state.host);
  let token: ProviderToken;
  try {
    token = await redeemGrant(provider, grant, { redirectUri: state.redirectUri, pkceVerifier: state.pkceVerifier }, rt.http, rt.now());
  } catch (err) {
    if (!(err instanceof ProviderHttpError)) throw err;
    rt.logger.warn('code exchange failed', { provider: state.provider, status: err.status, providerError: err.providerError });
    return refused(rt, state, 'RAPI-1010', err.providerError ?? 'exchange_failed');
  }

  if (state.flow === 'connect') {
    await rt.tokens.put(state.userId!, state.provider, state.host, token);
    return { flow: state.flow, userId: state.userId!, token, host: state.host, connectionIds: undefined };
  }
  return signUp(rt, state, provider, token);
}

async function signUp(rt: Runtime, state: OpenedState, provider: ResolvedProvider, token: ProviderToken) {
  let identity;
  try {
    identity = await fetchIdentity(provider, token.accessToken, rt.http, rt.now());
  } catch (err) {
    if (!(err instanceof ProviderHttpError)) throw err;
    rt.logger.warn('identity lookup failed', { provider: state.provider, status: err.status });
    return refused(rt, state, 'USRC-1022', 'identity_unavailable');
  }
  const stored: ProviderToken = { ...token, data: { ...token.data, userId: identity.subject, ...(identity.username ? { username: identity.username } : {}) } };
  const { user, created } = await rt.users.findOrCreate(state.provider, state.host, identity);
  await rt.tokens.put(user.id, state.provider, state.host, stored);
  // A user created a moment ago has this one token and no session, so no me-channel connection: nothing to
  // read back. A returning user's partition gives the other tokens and the connections to publish to.
  let tokens: StoredToken[] = [{ ...stored, provider: state.provider, ...(state.host ? { host: state.host } : {}) }];
  let connectionIds: string[] = [];
  if (!created) {
    const { items } = await rt.users.partition(user.id);
    tokens = await rt.tokens.openAll(user.id, items);
    connectionIds = liveConnectionIds(items, rt.now());
  }
  const accessToken = await issueSessionToken(user.id, { key: rt.keys.session, environment: rt.config.environment, now: rt.now() });
  const result: SignupResult = {
    accessToken,
    user: buildMeObject(user, tokens),
    provider: state.provider,
    signupStatus: created ? 'userCreated' : 'signedIn',
  };
  await rt.signups.complete(state.signupTokenHash!, result);
  rt.logger.info('sign-up completed', { provider: state.provider, userId: user.id, signupStatus: result.signupStatus });
  return { flow: state.flow, userId: user.id, token: stored, host: state.host, connectionIds };
}

/**
 * A provider-side refusal: the browser gets `code`; a waiting sign-up poll gets USRC-1022 with the
 * provider's error (an OAuth error code, cut short; never its description, which is free text).
 */
async function refused(rt: Runtime, state: OpenedState, code: HandshakeError['code'], providerError: string): Promise<never> {
  const error = oauthErrorCode(providerError) ?? 'provider_error';
  if (state.flow === 'signup') {
    try {
      await rt.signups.fail(state.signupTokenHash!, state.provider, error);
    } catch (err) {
      rt.logger.error('could not record the failed sign-up', { provider: state.provider, errorName: (err as Error).name });
    }
  }
  throw new HandshakeError(code, undefined, { provider: state.provider, error });
}
