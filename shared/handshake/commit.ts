import { HandshakeError } from '../errors';
import type { UserUpdate } from '../me-channel';
import type { Runtime } from '../runtime';
import { liveConnectionIds } from '../stores/connections';
import type { HandshakeRecord } from '../stores/handshakes';
import type { StoredToken } from '../stores/tokens';
import type { HandshakeResult } from './handshake-result';
import { buildMeObject, providerInfoEntry, providerInfoSet, type MeObject, type ProviderInfoEntry } from './me-object';

/** A claimed sign-up (SPEC, "Claim"): the session, and the user as the me-object. */
export interface SignupAnswer {
  accessToken: string;
  user: MeObject;
  provider: string;
  signupStatus: 'userCreated' | 'signedIn';
}

/** A claimed connect: the stored token, as the me-object shows it. */
export type ConnectAnswer = ProviderInfoEntry & { provider: string; host?: string };

export type ClaimAnswer = SignupAnswer | ConnectAnswer;

/** What the commit changed for the user's other windows, published once the claim is recorded. */
export interface Committed {
  answer: ClaimAnswer;
  publish?: { userId: string; update: UserUpdate; version: number; connectionIds?: string[] };
}

/** Connect: the token goes into the account that started the handshake. */
/**
 * Connect: the token goes into the account that started the handshake. Of two connects of the same provider
 * that race, the one numbered last stands; the other's agent is answered with that token, the current one.
 */
export async function commitConnect(rt: Runtime, record: HandshakeRecord, result: HandshakeResult): Promise<Committed> {
  const userId = record.userId!;
  const { provider, host } = record;
  const version = await rt.users.nextVersion(userId);
  const written = await rt.tokens.put(userId, provider, host, result.token, version);
  const where = { provider, ...(host ? { host } : {}) };
  if (!written.written) {
    rt.logger.info('connect lost a race', { provider, userId, current: Boolean(written.current) });
    // Disconnected meanwhile: the user's last word was to forget it, and so it stays.
    if (!written.current) throw new HandshakeError('AUTH-1008', 'the connection was removed while this handshake finished');
    return { answer: { ...where, ...providerInfoEntry(written.current) } };
  }
  return {
    answer: { ...where, ...providerInfoEntry(result.token) },
    publish: { userId, version, update: { $set: providerInfoSet(provider, host, result.token) } },
  };
}

/**
 * Sign-up: finds the user behind the provider identity (or creates one), stores the token for that user and
 * issues a session. A user created a moment ago has this one token and no session, so no me-channel
 * connection; a returning user's partition gives the other tokens and the connections to tell.
 */
export async function commitSignup(rt: Runtime, record: HandshakeRecord, result: HandshakeResult): Promise<Committed> {
  const { provider, host } = record;
  // The callback refuses a sign-up whose identity could not be read, so this is always there.
  if (!result.identity) throw new Error('sign-up result without an identity');
  const { user, created } = await rt.users.findOrCreate(provider, host, result.identity);
  // The profile write numbered this change: user.version. Refused, a later change stands, and the partition says which.
  const { written } = await rt.tokens.put(user.id, provider, host, result.token, user.version);
  let tokens: StoredToken[] = [{ ...result.token, provider, ...(host ? { host } : {}) }];
  let connectionIds: string[] = [];
  if (!created || !written) {
    const { items } = await rt.users.partition(user.id);
    tokens = await rt.tokens.openAll(user.id, items);
    connectionIds = liveConnectionIds(items, rt.now());
  }
  const accessToken = await rt.sessions.issue({ userId: user.id, account: user.email ?? user.username }, record.client);
  const answer: SignupAnswer = { accessToken, user: buildMeObject(user, tokens), provider, signupStatus: created ? 'userCreated' : 'signedIn' };
  return {
    answer,
    ...(connectionIds.length && written ? { publish: { userId: user.id, version: user.version, update: { $set: providerInfoSet(provider, host, result.token) }, connectionIds } } : {}),
  };
}
