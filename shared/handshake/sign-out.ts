import type { Runtime } from '../runtime';
import { liveConnections } from '../stores/connections';

export interface SignOutResult {
  /** Sessions ended. */
  sessions: number;
  /** Me-channel connections closed (or found gone). */
  connections: number;
}

/**
 * `DELETE /session` (this session) and `DELETE /sessions` (all of the user's): deletes the session records,
 * then closes the WebSocket connections opened with them. Records go first, so a `$connect` racing the
 * sign-out is refused by its second look at the session (shared/handshake/connections.ts).
 *
 * @example
 * await signOut(rt, bearer, 'everywhere'); // a stolen token stops working on the next call
 */
export async function signOut(rt: Runtime, sessionToken: string | undefined, scope: 'this' | 'everywhere'): Promise<SignOutResult> {
  const session = await rt.sessions.verify(sessionToken);
  let ended = [session.sid];
  if (scope === 'everywhere') {
    const { sessions } = await rt.sessions.ofUser(session.userId);
    ended = [...new Set([session.sid, ...sessions.map((s) => s.sid)])];
  }
  await Promise.all(ended.map((sid) => rt.sessions.revoke({ userId: session.userId, sid })));
  const { items } = await rt.sessions.ofUser(session.userId);
  const closing = liveConnections(items, rt.now())
    .filter((connection) => scope === 'everywhere' || connection.sid === session.sid)
    .map((connection) => connection.connectionId);
  const report = closing.length && rt.meChannel ? await rt.meChannel.close(session.userId, closing) : undefined;
  rt.logger.info('signed out', { userId: session.userId, scope, sessions: ended.length, connections: closing.length, closeFailed: report?.failed ?? 0 });
  return { sessions: ended.length, connections: closing.length };
}
