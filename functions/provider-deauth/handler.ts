import { deauthorizeProvider } from '../../shared/handshake/deauth';
import { bearerToken, pathParam, queryParams } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** PUT /provider-deauth/{provider}[?host=] (Bearer session) → `{provider, host?, revoked}`; the token is forgotten. */
export const handler = agentRoute('provider-deauth', async (rt, event) => {
  const query = queryParams(event);
  return jsonResponse(200, await deauthorizeProvider(rt, bearerToken(event), { provider: pathParam(event, 'provider'), host: query.host }));
});
