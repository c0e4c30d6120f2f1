import { startHandshake } from '../../shared/handshake/start';
import { bearerToken, jsonBody } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** POST /provider-auth-code {provider, flow, challenge, ...} (connect: Bearer session) → {code, url, userCode?, expiresAt, interval} */
export const handler = agentRoute('provider-auth-code', async (rt, event) => {
  return jsonResponse(200, await startHandshake(rt, bearerToken(event), jsonBody(event)));
});
