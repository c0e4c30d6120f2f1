import type { UserUpdate } from '../me-channel';
import type { Runtime } from '../runtime';
import type { HandshakeRecord } from '../stores/handshakes';
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
  publish?: { userId: string; update: UserUpdate; version: number };
}

/**
 * Connect: the token goes into the account that started the handshake, in one write that also numbers the
 * change. Of two connects of the same provider, the one DynamoDB writes last stands and carries the higher
 * number, so the other agent's windows move to it with the next message (or `GET /me`).
 */
export async function commitConnect(rt: Runtime, record: HandshakeRecord, result: HandshakeResult): Promise<Committed> {
  const userId = record.userId!;
  const { provider, host } = record;
  const version = await rt.tokens.put(userId, provider, host, result.token);
  return {
    answer: { provider, ...(host ? { host } : {}), ...providerInfoEntry(result.token) },
    publish: { userId, version, update: { $set: providerInfoSet(provider, host, result.token) } },
  };
}

/**
 * Sign-up: finds the user behind the provider identity (or creates one) and stores the token in the same
 * profile write, then issues a session. A user created a moment ago has no session yet, so no me-channel
 * connection to tell; a returning user's other windows get the token.
 */
export async function commitSignup(rt: Runtime, record: HandshakeRecord, result: HandshakeResult): Promise<Committed> {
  const { provider, host } = record;
  // The callback refuses a sign-up whose identity could not be read, so this is always there.
  if (!result.identity) throw new Error('sign-up result without an identity');
  const { user, created, tokens } = await rt.users.findOrCreate(provider, host, result.identity, result.token);
  const accessToken = await rt.sessions.issue({ userId: user.id, account: user.email ?? user.username }, record.client);
  const answer: SignupAnswer = { accessToken, user: buildMeObject(user, tokens), provider, signupStatus: created ? 'userCreated' : 'signedIn' };
  return {
    answer,
    ...(created ? {} : { publish: { userId: user.id, version: user.version, update: { $set: providerInfoSet(provider, host, result.token) } } }),
  };
}
