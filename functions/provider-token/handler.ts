import { completeCallback } from '../../shared/handshake/callback';
import { fragmentRelay, relayedOnward } from '../../shared/http/fragment-relay';
import { formParams, pathParam, queryParams, requestCookies } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { browserRoute } from '../../shared/http/routes';

/**
 * GET /no-auth/provider-token/{provider}: the OAuth callback → 302 to the agent's loopback listener, or to the
 * success or error page. For providers that return the token in the URL fragment, the GET answers a page that
 * POSTs it back to the same path, and that POST's answer is a page that moves on by itself (`relayedOnward`).
 */
export const handler = browserRoute('provider-token', async (rt, event) => {
  const provider = pathParam(event, 'provider');
  const method = event.requestContext.http.method;
  const params = method === 'POST' ? formParams(event) : queryParams(event);
  const relay = fragmentRelay(rt, provider, method, params);
  if (relay) return relay;
  const { location } = await completeCallback(rt, { provider, query: params, cookies: requestCookies(event) });
  return method === 'POST' ? relayedOnward(location) : redirectResponse(location);
});
