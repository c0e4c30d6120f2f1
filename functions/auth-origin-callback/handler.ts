import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../../shared/errors';
import { pathParam, rawQuery } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { inInvocation, type LambdaTime } from '../../shared/request-context';
import { traced } from '../../shared/tracing';
import { routeCallback } from '../../shared/routing/callback-router';
import { fragmentHop } from '../../shared/routing/fragment-hop';
import { getRouterRuntime, routerLogger } from '../../shared/routing/router-runtime';

/**
 * Auth origin, GET /no-auth/provider-token/{provider}: 302 to the same callback on the environment named by
 * the state's prefix. Refusals go to this origin's own error page (a relative URL: never one from the request).
 * YouTrack's Hub puts the state in the fragment: that callback first gets the hop page (shared/routing/fragment-hop.ts).
 */
export const handler = (event: APIGatewayProxyEventV2, context?: LambdaTime) => inInvocation(event, context, () => traced('auth-origin-callback', () => callback(event)));

async function callback(event: APIGatewayProxyEventV2) {
  const provider = pathParam(event, 'provider').slice(0, 64);
  try {
    const hop = fragmentHop(provider, rawQuery(event));
    if (hop) return hop;
    const rt = await getRouterRuntime();
    return redirectResponse(await routeCallback(rt.registry, provider, rawQuery(event)));
  } catch (err) {
    const failure = asHandshakeError(err);
    if (!(err instanceof HandshakeError)) routerLogger().error('callback routing failed', { provider, errorName: (err as Error).name });
    const query = new URLSearchParams({ code: failure.code, provider });
    // The empty fragment matters: a Location without one inherits the request's, which for fragment providers
    // (Trello, YouTrack) holds the token; it would sit in the error page's address bar and history.
    return redirectResponse(`/web/error?${query}#`);
  }
}
