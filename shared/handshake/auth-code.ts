import type { Runtime } from '../runtime';
import { verifySessionToken } from '../sessions';
import { issueAuthCode } from '../stores/auth-codes';

/** `GET /provider-auth-code` (Bearer session): a single-use code naming the user, for the browser URL. */
export async function issueProviderAuthCode(rt: Runtime, sessionToken: string | undefined): Promise<{ code: string; expiresAt: number }> {
  const userId = await verifySessionToken(sessionToken, { key: rt.keys.session, environment: rt.config.environment, now: rt.now() });
  return issueAuthCode(rt.table, userId);
}
