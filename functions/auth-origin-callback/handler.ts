import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../../shared/errors';
import { pathParam } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { routeCallback } from '../../shared/routing/callback-router';
import { getRouterRuntime } from '../../shared/routing/router-runtime';

/**
 * Auth origin, GET /no-auth/provider-token/{provider}: 302 to the same callback on the environment named by
 * the state's prefix. Refusals go to this origin's own error page (a relative URL: never one from the request).
 */
export const handler = async (event: APIGatewayProxyEventV2) => {
  const provider = pathParam(event, 'provider').slice(0, 64);
  try {
    const rt = await getRouterRuntime();
    return redirectResponse(await routeCallback(rt.registry, provider, event.rawQueryString ?? ''));
  } catch (err) {
    const failure = asHandshakeError(err);
    if (!(err instanceof HandshakeError)) console.error(JSON.stringify({ level: 'ERROR', message: 'callback routing failed', errorName: (err as Error).name }));
    const query = new URLSearchParams({ code: failure.code, provider });
    return redirectResponse(`/web/error?${query}`);
  }
};
