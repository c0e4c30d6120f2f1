import { completeHandshake } from '../../shared/handshake/callback';
import { pathParam, queryParams, requestCookies } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { browserRoute } from '../../shared/http/routes';

/** GET /no-auth/provider-token/{provider}: the OAuth callback → 302 to the success or error page. */
export const handler = browserRoute('provider-token', async (rt, event) => {
  const result = await completeHandshake(rt, {
    provider: pathParam(event, 'provider'),
    query: queryParams(event),
    cookies: requestCookies(event),
  });
  return redirectResponse(result.location, result.cookies);
});
