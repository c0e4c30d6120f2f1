import { HandshakeError } from '../errors';
import type { Runtime } from '../runtime';

/**
 * `$connect`: authenticates the session, then records the connection under its user and session. The session
 * is read again after the record is written: a sign-out that ran in between either finds the connection (and
 * closes it) or has already deleted the session (and this refuses), so no revoked session keeps a socket.
 */
export async function openConnection(rt: Runtime, connectionId: string, sessionToken: string | undefined): Promise<string> {
  const session = await rt.sessions.verify(sessionToken);
  if (!connectionId) throw new HandshakeError('RAPI-1001');
  await rt.connections.add(connectionId, session.userId, session.sid);
  // Refused, the connection never opens; its items answer 410 to the next publish, which forgets them.
  if (!(await rt.sessions.isLive(session))) throw new HandshakeError('AUTH-1001');
  return session.userId;
}

/** `$disconnect`: forgets the connection; unknown ids are fine (TTL or a 410 already took them). */
export async function closeConnection(rt: Runtime, connectionId: string): Promise<void> {
  if (connectionId) await rt.connections.remove(connectionId);
}
