import { HandshakeError } from '../errors';
import type { Runtime } from '../runtime';

/** `$connect`: authenticates the session token, then records the connection under its user. */
export async function openConnection(rt: Runtime, connectionId: string, sessionToken: string | undefined): Promise<string> {
  const { userId } = await rt.sessions.verify(sessionToken);
  if (!connectionId) throw new HandshakeError('RAPI-1001');
  await rt.connections.add(connectionId, userId);
  return userId;
}

/** `$disconnect`: forgets the connection; unknown ids are fine (TTL or a 410 already took them). */
export async function closeConnection(rt: Runtime, connectionId: string): Promise<void> {
  if (connectionId) await rt.connections.remove(connectionId);
}
