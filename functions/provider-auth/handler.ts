import { startHandshake } from '../../shared/handshake/start';
import { pathParam, queryParams } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { browserRoute } from '../../shared/http/routes';

/** GET /web/provider-auth/{provider} and GET /no-auth/provider-auth/{provider} → 302 to the provider. */
export const handler = browserRoute('provider-auth', async (rt, event) => {
  const query = queryParams(event);
  const { location, cookie } = await startHandshake(rt, {
    provider: pathParam(event, 'provider'),
    code: query.code,
    signupToken: query.signupToken,
    host: query.host,
  });
  return redirectResponse(location, [cookie]);
});
