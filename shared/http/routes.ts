import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../errors';
import { requestContext, runInRequest, timeLeftMs, type LambdaTime } from '../request-context';
import { getRuntime, type Runtime } from '../runtime';
import { errorPage } from './pages';
import { agentErrorResponse, browserErrorResponse, htmlResponse, type HttpResult } from './responses';

type RouteBody = (rt: Runtime, event: APIGatewayProxyEventV2) => Promise<HttpResult>;

function logFailure(rt: Runtime | undefined, route: string, err: unknown, provider?: string): HandshakeError {
  const failure = asHandshakeError(err);
  const referenceId = requestContext()?.referenceId;
  if (err instanceof HandshakeError) {
    rt?.logger.info('request refused', { route, errorCode: err.code, provider, referenceId });
  } else {
    // Names and messages of our dependencies' errors only: events, bodies and tokens are never logged.
    const { name, message } = err as Error;
    (rt?.logger ?? console).error('request failed', { route, provider, referenceId, errorName: name, errorMessage: String(message).slice(0, 300) });
  }
  return failure;
}

/** Kept back at the very end: time for the answer itself to leave before Lambda stops the function. */
const ANSWER_MARGIN_MS = 300;

/**
 * Runs a route body within the invocation's time: should it still be running when the function is about to
 * be stopped, the route answers SRV-1000 itself (our page, or our JSON) instead of API Gateway's bare error.
 */
function withinTime<T>(run: () => Promise<T>): Promise<T> {
  const left = timeLeftMs();
  if (left === undefined) return run();
  let timer: NodeJS.Timeout | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandshakeError('SRV-1000', 'the function ran out of time')), Math.max(0, left - ANSWER_MARGIN_MS));
  });
  return Promise.race([run(), stop]).finally(() => clearTimeout(timer));
}

/** The reference id a person can quote: API Gateway's request id. */
const referenceOf = (event: APIGatewayProxyEventV2) => (event.requestContext as { requestId?: string } | undefined)?.requestId;

/**
 * One invocation of a route: its reference id and time budget around it, the runtime, and every failure
 * logged once and turned into the answer `refuse` makes.
 */
function route(name: string, body: RouteBody, refuse: (rt: Runtime | undefined, failure: HandshakeError, provider?: string) => HttpResult) {
  return (event: APIGatewayProxyEventV2, context?: LambdaTime): Promise<HttpResult> =>
    runInRequest(referenceOf(event), context, async () => {
      let rt: Runtime | undefined;
      const provider = event.pathParameters?.provider?.slice(0, 64);
      try {
        rt = await getRuntime();
        rt.logger.logEventIfEnabled(event);
        const ready = rt;
        return await withinTime(() => body(ready, event));
      } catch (err) {
        return refuse(rt, logFailure(rt, name, err, provider), provider);
      }
    });
}

/** A route agents call: every refusal is `{code, message, info?}` JSON with the SPEC status. */
export function agentRoute(name: string, body: RouteBody) {
  return route(name, body, (_rt, failure) => agentErrorResponse(failure));
}

/** A route browsers follow: every refusal is a redirect to the error page (or the page itself if even config is broken). */
export function browserRoute(name: string, body: RouteBody) {
  return route(name, body, (rt, failure, provider) =>
    rt ? browserErrorResponse(rt.config, failure, provider) : htmlResponse(failure.status, errorPage(failure.code, provider, undefined, requestContext()?.referenceId)),
  );
}
