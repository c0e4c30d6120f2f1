import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../../shared/errors';
import { pathParam } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { routeCallback } from '../../shared/routing/callback-router';
import { fragmentHop } from '../../shared/routing/fragment-hop';
import { getRouterRuntime } from '../../shared/routing/router-runtime';

/**
 * Auth origin, GET /no-auth/provider-token/{provider}: 302 to the same callback on the environment named by
 * the state's prefix. Refusals go to this origin's own error page (a relative URL: never one from the request).
 * YouTrack's Hub puts the state in the fragment: that callback first gets the hop page (shared/routing/fragment-hop.ts).
 */
export const handler = async (event: APIGatewayProxyEventV2) => {
  const provider = pathParam(event, 'provider').slice(0, 64);
  try {
    const hop = fragmentHop(provider, event.rawQueryString ?? '');
    if (hop) return hop;
    const rt = await getRouterRuntime();
    return redirectResponse(await routeCallback(rt.registry, provider, event.rawQueryString ?? ''));
  } catch (err) {
    const failure = asHandshakeError(err);
    if (!(err instanceof HandshakeError)) console.error(JSON.stringify({ level: 'ERROR', message: 'callback routing failed', errorName: (err as Error).name }));
    const query = new URLSearchParams({ code: failure.code, provider });
    // The empty fragment matters: a Location without one inherits the request's, which for fragment providers
    // (Trello, YouTrack) holds the token; it would sit in the error page's address bar and history.
    return redirectResponse(`/web/error?${query}#`);
  }
};
