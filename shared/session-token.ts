import { SignJWT, jwtVerify } from 'jose';
import { HandshakeError } from './errors';

/** Session tokens live 30 days; an agent signs up again after that. */
export const SESSION_LIFETIME_SECONDS = 30 * 24 * 3600;
const ISSUER = 'handshake';
const ACCOUNT_MAX_LENGTH = 120;
/** What SessionService.issue makes: 16 random bytes, base64url. */
export const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

export interface SessionContext {
  key: Uint8Array;
  environment: string;
  now: number;
}

/** Who a valid session token speaks for, and which sign-in (session record) it belongs to. */
export interface Session {
  userId: string;
  /** The session id: the record `DELETE /session` removes (SPEC, "Sessions"). */
  sid: string;
  /**
   * How the person knows this account (e-mail, else user name) when the session was issued: the poll-mode
   * confirmation page names it ("Connect GitHub to ada@example.com") without reading the user first.
   */
  account?: string;
}

/**
 * Signs the session token an agent sends as `Authorization: Bearer`. It is bound to one environment
 * (audience), so a branch stack's token is useless on prod even if keys were ever shared. A valid signature
 * is not enough: `shared/sessions.ts` also finds the session record, which sign-out deletes.
 *
 * @example
 * const token = await issueSessionToken({ userId, sid, account: 'ada@example.com' }, { key, environment: 'prod', now: Date.now() });
 */
export async function issueSessionToken(session: Session, ctx: SessionContext): Promise<string> {
  const iat = Math.floor(ctx.now / 1000);
  return new SignJWT({ sid: session.sid, ...(session.account ? { acct: session.account.slice(0, ACCOUNT_MAX_LENGTH) } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(session.userId)
    .setIssuer(ISSUER)
    .setAudience(ctx.environment)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_LIFETIME_SECONDS)
    .sign(ctx.key);
}

/** The session of a validly signed, unexpired session token; AUTH-1001 (401) otherwise. */
export async function verifySessionToken(token: string | undefined, ctx: SessionContext): Promise<Session> {
  if (!token || token.length > 4096) throw new HandshakeError('AUTH-1001');
  try {
    const { payload } = await jwtVerify(token, ctx.key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: ctx.environment,
      currentDate: new Date(ctx.now),
      requiredClaims: ['sub', 'exp', 'sid'],
    });
    if (typeof payload.sid !== 'string' || !SESSION_ID.test(payload.sid)) throw new Error('bad sid');
    return { userId: payload.sub!, sid: payload.sid, ...(typeof payload.acct === 'string' ? { account: payload.acct } : {}) };
  } catch {
    throw new HandshakeError('AUTH-1001');
  }
}
