import { checkSignup } from '../../shared/handshake/check-signup';
import { jsonBody } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** PUT /no-auth/check-signup {token} → 200 with the session and me-object once, else a SPEC code. */
export const handler = agentRoute('check-signup', async (rt, event) => {
  return jsonResponse(200, await checkSignup(rt, jsonBody(event)));
});
