import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../errors';
import { getRuntime, type Runtime } from '../runtime';
import { errorPage } from './pages';
import { agentErrorResponse, browserErrorResponse, htmlResponse, type HttpResult } from './responses';

type RouteBody = (rt: Runtime, event: APIGatewayProxyEventV2) => Promise<HttpResult>;

function logFailure(rt: Runtime | undefined, route: string, err: unknown, provider?: string): HandshakeError {
  const failure = asHandshakeError(err);
  if (err instanceof HandshakeError) {
    rt?.logger.info('request refused', { route, errorCode: err.code, provider });
  } else {
    // Names and messages of our dependencies' errors only: events, bodies and tokens are never logged.
    const { name, message } = err as Error;
    (rt?.logger ?? console).error('request failed', { route, provider, errorName: name, errorMessage: String(message).slice(0, 300) });
  }
  return failure;
}

/** A route agents call: every refusal is `{code, message, info?}` JSON with the SPEC status. */
export function agentRoute(route: string, body: RouteBody) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    let rt: Runtime | undefined;
    try {
      rt = await getRuntime();
      rt.logger.logEventIfEnabled(event);
      return await body(rt, event);
    } catch (err) {
      return agentErrorResponse(logFailure(rt, route, err));
    }
  };
}

/** A route browsers follow: every refusal is a redirect to the error page (or the page itself if even config is broken). */
export function browserRoute(route: string, body: RouteBody) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    let rt: Runtime | undefined;
    const provider = event.pathParameters?.provider?.slice(0, 64);
    try {
      rt = await getRuntime();
      rt.logger.logEventIfEnabled(event);
      return await body(rt, event);
    } catch (err) {
      const failure = logFailure(rt, route, err, provider);
      if (!rt) return htmlResponse(failure.status, errorPage(failure.code, provider));
      return browserErrorResponse(rt.config, failure, provider);
    }
  };
}
