import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { asHandshakeError, HandshakeError } from '../errors';
import { serviceLogger } from '../log';
import { inInvocation, requestContext, timeLeftMs, type LambdaTime } from '../request-context';
import { getRuntime, type Runtime } from '../runtime';
import { traced } from '../tracing';
import type { WebSocketEvent } from './websocket-event';
import { errorPage } from './pages';
import { agentErrorResponse, browserErrorResponse, htmlResponse, type HttpResult } from './responses';

type RouteBody = (rt: Runtime, event: APIGatewayProxyEventV2) => Promise<HttpResult>;

function logFailure(rt: Runtime | undefined, route: string, err: unknown, provider?: string): HandshakeError {
  const failure = asHandshakeError(err);
  const referenceId = requestContext()?.referenceId;
  // Without a runtime (its configuration or its first read failed) the container's logger still says why.
  const logger = rt?.logger ?? serviceLogger();
  if (err instanceof HandshakeError) {
    logger.info('request refused', { route, errorCode: err.code, provider, referenceId });
  } else {
    // Names and messages of our dependencies' errors only: events, bodies and tokens are never logged.
    const { name, message } = err as Error;
    logger.error('request failed', { route, provider, referenceId, errorName: name, errorMessage: String(message).slice(0, 300) });
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

/**
 * One invocation of a route: its reference id (every log line's correlation id), Lambda's names for it and
 * its time budget around it, its trace subsegment, the runtime, every failure logged once and turned into the
 * answer `refuse` makes, and what the flows recorded written as metrics once at the end.
 */
function route(name: string, body: RouteBody, refuse: (rt: Runtime | undefined, failure: HandshakeError, provider?: string) => HttpResult) {
  return (event: APIGatewayProxyEventV2, context?: LambdaTime): Promise<HttpResult> =>
    inInvocation(event, context, () =>
      traced(name, async () => {
        let rt: Runtime | undefined;
        const provider = event.pathParameters?.provider?.slice(0, 64);
        try {
          rt = await getRuntime();
          rt.logger.logEventIfEnabled(event);
          const ready = rt;
          return await withinTime(() => body(ready, event));
        } catch (err) {
          return refuse(rt, logFailure(rt, name, err, provider), provider);
        } finally {
          rt?.metrics.flush();
        }
      }),
    );
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

/**
 * A WebSocket route (`$connect`, `$disconnect`): the same frame and metrics flush as an HTTP route. A runtime
 * that cannot be built is logged and answered 503 (on `$connect` API Gateway then refuses the upgrade).
 */
export function webSocketRoute(name: string, body: (rt: Runtime, event: WebSocketEvent) => Promise<{ statusCode: number }>) {
  return (event: WebSocketEvent, context?: LambdaTime): Promise<{ statusCode: number }> =>
    inInvocation(event, context, () =>
      traced(name, async () => {
        let rt: Runtime;
        try {
          rt = await getRuntime();
        } catch (err) {
          serviceLogger().error('runtime unavailable', { route: name, errorName: (err as Error).name });
          return { statusCode: 503 };
        }
        try {
          rt.logger.logEventIfEnabled(event);
          return await body(rt, event);
        } finally {
          rt.metrics.flush();
        }
      }),
    );
}
