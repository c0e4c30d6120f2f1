import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../../shared/errors';
import { pathParam, rawBody, requestHeaders } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { inInvocation, type LambdaTime } from '../../shared/request-context';
import { traced } from '../../shared/tracing';
import { forwardAction } from '../../shared/routing/action-proxy';
import { getRouterRuntime, routerLogger } from '../../shared/routing/router-runtime';

/** Auth origin, POST /no-auth/provider-action/{provider}: the provider's interactive callback, forwarded as is. */
export const handler = (event: APIGatewayProxyEventV2, context?: LambdaTime) => inInvocation(event, context, () => traced('provider-action-proxy', () => forward(event)));

async function forward(event: APIGatewayProxyEventV2) {
  try {
    const rt = await getRouterRuntime();
    const answer = await forwardAction(rt.registry, { provider: pathParam(event, 'provider'), headers: requestHeaders(event), body: rawBody(event) }, rt.fetch, rt.actionTimeoutMs);
    return { statusCode: answer.status, headers: { ...answer.headers, 'cache-control': 'no-store' }, body: answer.body.toString('base64'), isBase64Encoded: true };
  } catch (err) {
    const failure = asHandshakeError(err);
    if (!(err instanceof HandshakeError)) routerLogger().error('action forwarding failed', { provider: pathParam(event, 'provider').slice(0, 64), errorName: (err as Error).name });
    // An unknown provider or environment is "nothing here": 404, and nothing was forwarded.
    const status = err instanceof HandshakeError ? 404 : failure.status;
    return jsonResponse(status, { code: failure.code, message: failure.message });
  }
}
