import { receiveProviderAction } from '../../shared/handshake/provider-action';
import { pathParam } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** POST /no-auth/provider-action/{provider}: a signed interactive-component callback → 200 acknowledgement. */
export const handler = agentRoute('provider-action', async (rt, event) => {
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  await receiveProviderAction(rt, { provider: pathParam(event, 'provider'), headers, body });
  return jsonResponse(200, {});
});
