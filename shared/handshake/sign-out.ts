import type { Runtime } from '../runtime';
import { liveConnections } from '../stores/connections';

export interface SignOutResult {
  /** Sessions ended. */
  sessions: number;
  /** Me-channel connections closed, or found already gone. */
  connections: number;
}

/**
 * `DELETE /session` (this session) and `DELETE /sessions` (all of the user's). Three steps, each safe to
 * repeat, so a sign-out cut halfway (503) is finished by the same call again:
 * 1. the sessions are marked revoked: from here no call verifies with them, `$connect` included;
 * 2. the connections opened with them are closed (`DeleteConnection`) and their items deleted, whatever the
 *    close answered, so nothing is ever published to them again;
 * 3. the session records are deleted, the caller's last (until then its retry is still accepted).
 * Marking comes before reading the connections, so a `$connect` racing the sign-out is either found and
 * closed here or refused by its second look at the session (shared/handshake/connections.ts).
 *
 * @example
 * await signOut(rt, bearer, 'everywhere'); // a stolen token stops working on the next call
 */
export async function signOut(rt: Runtime, sessionToken: string | undefined, scope: 'this' | 'everywhere'): Promise<SignOutResult> {
  const session = await rt.sessions.verify(sessionToken, { finishingSignOut: true });
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
  await Promise.all(closing.map((connectionId) => rt.connections.forget(session.userId, connectionId)));

  const others = ended.filter((sid) => sid !== session.sid);
  await Promise.all(others.map((sid) => rt.sessions.forget({ userId: session.userId, sid })));
  await rt.sessions.forget(session);
  // `sessions` would be redacted by name in the log; these are counts.
  rt.logger.info('signed out', { userId: session.userId, scope, ended: ended.length, closed: closing.length, closeFailed: report?.failed ?? 0 });
  return { sessions: ended.length, connections: closing.length - (report?.failed ?? 0) };
}
