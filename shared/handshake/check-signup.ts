import { sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import type { Runtime } from '../runtime';
import type { SignupResult } from './callback';

/**
 * `PUT /no-auth/check-signup {token}`: the finished sign-up, once. Pending → AUTH-1006, expired →
 * AUTH-1005, refused by the provider → USRC-1022 with `{provider, error}`.
 */
export async function checkSignup(rt: Runtime, body: Record<string, unknown>): Promise<SignupResult> {
  const token = body.token;
  if (typeof token !== 'string' || token.length < 32 || token.length > 256) throw new HandshakeError('RAPI-1001', 'token is required');
  const outcome = await rt.signups.consume<SignupResult>(sha256(token));
  switch (outcome.status) {
    case 'ready':
      return outcome.result;
    case 'failed':
      throw new HandshakeError('USRC-1022', undefined, { provider: outcome.provider, error: outcome.error });
    case 'expired':
      throw new HandshakeError('AUTH-1005');
    case 'pending':
      throw new HandshakeError('AUTH-1006');
  }
}
