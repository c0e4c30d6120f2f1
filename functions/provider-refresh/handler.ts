import { refreshProviderToken } from '../../shared/handshake/refresh';
import { bearerToken, pathParam, queryParams } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** GET /provider-refresh/{provider}[?host=] (Bearer session) → the refreshed `{provider, host?, accessToken, ...}`. */
export const handler = agentRoute('provider-refresh', async (rt, event) => {
  const query = queryParams(event);
  return jsonResponse(200, await refreshProviderToken(rt, bearerToken(event), { provider: pathParam(event, 'provider'), host: query.host }));
});
