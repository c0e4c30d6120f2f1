import type { Runtime } from '../runtime';
import { HandshakeError } from '../errors';
import { buildMeObject, type MeObject } from './me-object';

/** `GET /me`'s answer: the user with every provider token, and the number of the last change it includes. */
export interface MeAnswer {
  user: MeObject;
  version: number;
}

/**
 * `GET /me` (Bearer session): the agent's catch-up after an IDE restart, a reconnect or a gap in the
 * me-channel's versions. One consistent read of the profile gives the tokens and `version` together, so
 * the version names exactly the changes the answer holds.
 *
 * @example
 * const { user, version } = await readMe(rt, bearer);
 */
export async function readMe(rt: Runtime, sessionToken: string | undefined): Promise<MeAnswer> {
  const { userId } = await rt.sessions.verify(sessionToken);
  const { user, tokens } = await rt.users.snapshot(userId);
  // A live session whose user has no profile: the sign-up that created it never finished its profile write.
  if (!user) throw new HandshakeError('AUTH-1001');
  return { user: buildMeObject(user, tokens), version: user.version };
}
