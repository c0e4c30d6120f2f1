import { claimHandshake } from '../../shared/handshake/claim';
import { bearerToken, jsonBody } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** PUT /no-auth/check-signup {code, verifier, result?} (connect: Bearer session) → the handshake's answer, else a SPEC code. */
export const handler = agentRoute('check-signup', async (rt, event) => {
  return jsonResponse(200, await claimHandshake(rt, bearerToken(event), jsonBody(event)));
});
