import { SignJWT, jwtVerify } from 'jose';
import { HandshakeError } from './errors';

/** Session tokens live 30 days; an agent signs up again after that. */
export const SESSION_LIFETIME_SECONDS = 30 * 24 * 3600;
const ISSUER = 'handshake';

export interface SessionContext {
  key: Uint8Array;
  environment: string;
  now: number;
}

/**
 * Issues the session token an agent sends as `Authorization: Bearer`. It is bound to one environment
 * (audience), so a branch stack's token is useless on prod even if keys were ever shared.
 */
export async function issueSessionToken(userId: string, ctx: SessionContext): Promise<string> {
  const iat = Math.floor(ctx.now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(ctx.environment)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_LIFETIME_SECONDS)
    .sign(ctx.key);
}

/** The user id of a valid session token; AUTH-1001 (401) otherwise. */
export async function verifySessionToken(token: string | undefined, ctx: SessionContext): Promise<string> {
  if (!token || token.length > 4096) throw new HandshakeError('AUTH-1001');
  try {
    const { payload } = await jwtVerify(token, ctx.key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: ctx.environment,
      currentDate: new Date(ctx.now),
      requiredClaims: ['sub', 'exp'],
    });
    return payload.sub!;
  } catch {
    throw new HandshakeError('AUTH-1001');
  }
}
