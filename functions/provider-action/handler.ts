import { receiveProviderAction } from '../../shared/handshake/provider-action';
import { pathParam, rawBody, requestHeaders } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** POST /no-auth/provider-action/{provider}: a signed interactive-component callback → 200 acknowledgement. */
export const handler = agentRoute('provider-action', async (rt, event) => {
  await receiveProviderAction(rt, { provider: pathParam(event, 'provider'), headers: requestHeaders(event), body: rawBody(event) });
  return jsonResponse(200, {});
});
