import { HANDLER_NEEDS } from '../infra/handler-needs';
import { API_ROUTES, matchRoute, type ApiRoute } from '../shared/http/api-routes';
import { HTTP_HANDLERS, type HttpHandler } from './handlers';
import { localLambdaContext } from './lambda-context';
import { toV2Event } from './v2-event';

export interface DispatchResult {
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  /** The body as sent, byte for byte (what a proxy must pass on). */
  bytes: Buffer;
  /** `bytes` as UTF-8 text. */
  body: string;
}

const textResult = (status: number, body: string): DispatchResult => ({ status, headers: { 'content-type': 'application/json' }, setCookies: [], bytes: Buffer.from(body), body });

/** API Gateway's time limits, as this gateway enforces them; tests shorten them. */
export interface GatewayLimits {
  /** The HTTP API's integration timeout: past it the caller gets 503 whatever the function does. */
  integrationTimeoutMs?: number;
  /** Each function's own timeout (default: its `timeoutSeconds` in infra/handler-needs.ts, as deployed). */
  functionTimeoutMs?: (handler: string) => number;
}

export const INTEGRATION_TIMEOUT_MS = 29_000;

const TIMED_OUT = Symbol('timed out');
const after = (ms: number, timers: NodeJS.Timeout[]) => new Promise<typeof TIMED_OUT>((resolve) => timers.push(setTimeout(() => resolve(TIMED_OUT), ms)));

/**
 * What API Gateway does for one HTTP API request: match a route, build the payload 2.0 event, invoke the
 * handler, and turn its structured result back into HTTP. Unmatched routes get API Gateway's 404 body.
 */
export async function dispatchHttp(
  request: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: Buffer },
  handlers: Record<string, HttpHandler> = HTTP_HANDLERS,
  routes: readonly ApiRoute[] = API_ROUTES,
  limits: GatewayLimits = {},
): Promise<DispatchResult> {
  const path = new URL(request.url, 'http://gateway.local').pathname;
  for (const route of routes) {
    if (route.method !== request.method) continue;
    const pathParameters = matchRoute(route.path, path);
    if (!pathParameters) continue;
    const event = toV2Event({ ...request, routeKey: `${route.method} ${route.path}`, pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined });
    const functionMs = limits.functionTimeoutMs?.(route.handler) ?? (HANDLER_NEEDS[route.handler]?.timeoutSeconds ?? 29) * 1000;
    // What Lambda hands the handler: its request id and names, and the time it has left.
    const context = localLambdaContext(route.handler, functionMs);
    const timers: NodeJS.Timeout[] = [];
    let result;
    try {
      const outcome = await Promise.race([
        handlers[route.handler]!(event, context),
        after(functionMs, timers).then(() => 'function' as const),
        after(limits.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS, timers).then(() => 'integration' as const),
      ]);
      // The HTTP API's answers: past its integration timeout 503; a function that timed out (Lambda stops it) 500.
      if (outcome === 'integration') return textResult(503, '{"message":"Service Unavailable"}');
      if (outcome === 'function') return textResult(500, '{"message":"Internal Server Error"}');
      result = outcome;
    } catch {
      // A handler that throws is a 500 from API Gateway too; ours are written never to.
      return textResult(500, '{"message":"Internal Server Error"}');
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
    return { status: result.statusCode ?? 200, headers, setCookies: result.cookies ?? [], body: body.toString('utf8'), bytes: body };
  }
  return textResult(404, '{"message":"Not Found"}');
}
