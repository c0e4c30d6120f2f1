import { SignJWT, jwtVerify } from 'jose';
import { HandshakeError } from './errors';

/** Session tokens live 30 days; an agent signs up again after that. */
export const SESSION_LIFETIME_SECONDS = 30 * 24 * 3600;
const ISSUER = 'handshake';
const ACCOUNT_MAX_LENGTH = 120;

export interface SessionContext {
  key: Uint8Array;
  environment: string;
  now: number;
}

/** Who a valid session token speaks for. */
export interface Session {
  userId: string;
  /**
   * How the person knows this account (e-mail, else user name) when the session was issued: the poll-mode
   * confirmation page names it ("Connect GitHub to ada@example.com") without reading the user first.
   */
  account?: string;
}

/**
 * Issues the session token an agent sends as `Authorization: Bearer`. It is bound to one environment
 * (audience), so a branch stack's token is useless on prod even if keys were ever shared.
 *
 * @example
 * const token = await issueSessionToken({ userId, account: 'ada@example.com' }, { key, environment: 'prod', now: Date.now() });
 */
export async function issueSessionToken(session: Session, ctx: SessionContext): Promise<string> {
  const iat = Math.floor(ctx.now / 1000);
  return new SignJWT(session.account ? { acct: session.account.slice(0, ACCOUNT_MAX_LENGTH) } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(session.userId)
    .setIssuer(ISSUER)
    .setAudience(ctx.environment)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_LIFETIME_SECONDS)
    .sign(ctx.key);
}

/** The session of a valid session token; AUTH-1001 (401) otherwise. */
export async function verifySessionToken(token: string | undefined, ctx: SessionContext): Promise<Session> {
  if (!token || token.length > 4096) throw new HandshakeError('AUTH-1001');
  try {
    const { payload } = await jwtVerify(token, ctx.key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: ctx.environment,
      currentDate: new Date(ctx.now),
      requiredClaims: ['sub', 'exp'],
    });
    return { userId: payload.sub!, ...(typeof payload.acct === 'string' ? { account: payload.acct } : {}) };
  } catch {
    throw new HandshakeError('AUTH-1001');
  }
}
