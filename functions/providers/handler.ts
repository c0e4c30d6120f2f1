import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** GET /providers (no auth) → `{providers: [{id, name, needsHost, configured}]}`, for IDE menus. */
export const handler = agentRoute('providers', async (rt) => {
  return jsonResponse(200, { providers: await rt.providers.list() });
});
