import { issueProviderAuthCode } from '../../shared/handshake/auth-code';
import { bearerToken } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** GET /provider-auth-code (Bearer session) → {code, expiresAt} */
export const handler = agentRoute('provider-auth-code', async (rt, event) => {
  return jsonResponse(200, await issueProviderAuthCode(rt, bearerToken(event)));
});
