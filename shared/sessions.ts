import type { KeyRing } from './crypto/keys';
import { randomToken } from './crypto/random';
import { HandshakeError } from './errors';
import { issueSessionToken, SESSION_LIFETIME_SECONDS, verifySessionToken, type Session } from './session-token';
import type { ClientLabel } from './stores/handshakes';
import { SessionStore, type SessionRecord } from './stores/sessions';
import type { Table } from './stores/table';

/** `lastUsedAt` is news to a person after an hour, not after a second: one write per hour of use at most. */
export const TOUCH_EVERY_MS = 3600_000;

/**
 * Sessions (SPEC, "Sessions"): a signed token naming a session record. Verifying checks the signature, then
 * reads the record (one consistent GetItem), so a session ended by sign-out fails on the very next call.
 *
 * @example
 * const sessions = new SessionService(table, keys, 'prod');
 * const token = await sessions.issue({ userId, account: 'ada@example.com' }, { name: 'VS Code' });
 * const { userId, sid } = await sessions.verify(bearer);
 */
export class SessionService {
  readonly store: SessionStore;

  constructor(
    private readonly table: Table,
    /** Read on use: functions that never touch a session never load the key ring. */
    private readonly keys: KeyRing,
    private readonly environment: string,
  ) {
    this.store = new SessionStore(table);
  }

  /** Records a new session and signs its token. */
  async issue(session: Omit<Session, 'sid'>, client?: ClientLabel): Promise<string> {
    const now = this.table.now();
    const sid = randomToken(16);
    await this.store.create({
      userId: session.userId,
      sid,
      ...(client?.name ? { clientName: client.name } : {}),
      ...(client?.device ? { clientDevice: client.device } : {}),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + SESSION_LIFETIME_SECONDS * 1000,
    });
    return issueSessionToken({ ...session, sid }, { key: this.keys.session, environment: this.environment, now });
  }

  /**
   * The session of a Bearer token whose record exists and is not revoked; AUTH-1001 when missing, bad,
   * expired or revoked. `{ finishingSignOut: true }` also accepts a revoked one: a sign-out that failed
   * halfway is finished by the same call again.
   */
  async verify(token: string | undefined, options: { finishingSignOut?: boolean } = {}): Promise<Session> {
    const session = await verifySessionToken(token, { key: this.keys.session, environment: this.environment, now: this.table.now() });
    const record = await this.store.get(session.userId, session.sid);
    if (!record || (record.revokedAt !== undefined && !options.finishingSignOut)) throw new HandshakeError('AUTH-1001');
    // Last use is for the person reviewing their sessions: a failed write must not fail the call (the next retries).
    if (!record.revokedAt && this.table.now() - record.lastUsedAt >= TOUCH_EVERY_MS) await this.store.touch(session.userId, session.sid).catch(() => undefined);
    return session;
  }

  /** True while the record exists unrevoked: `$connect` asks again after recording the connection (see openConnection). */
  async isLive(session: Session): Promise<boolean> {
    const record = await this.store.get(session.userId, session.sid);
    return Boolean(record && record.revokedAt === undefined);
  }

  /** First step of a sign-out: the session verifies no more, but its record stays until the sign-out is done. */
  revoke(session: Pick<Session, 'userId' | 'sid'>): Promise<void> {
    return this.store.revoke(session.userId, session.sid);
  }

  /** Last step of a sign-out. */
  forget(session: Pick<Session, 'userId' | 'sid'>): Promise<void> {
    return this.store.delete(session.userId, session.sid);
  }

  /** The user's sessions and the rest of their partition (connections among it). */
  ofUser(userId: string): Promise<{ sessions: SessionRecord[]; items: Record<string, unknown>[] }> {
    return this.store.ofUser(userId);
  }
}
