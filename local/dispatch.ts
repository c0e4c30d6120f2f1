import { API_ROUTES, matchRoute, type ApiRoute } from '../shared/http/api-routes';
import { HTTP_HANDLERS, type HttpHandler } from './handlers';
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

/**
 * What API Gateway does for one HTTP API request: match a route, build the payload 2.0 event, invoke the
 * handler, and turn its structured result back into HTTP. Unmatched routes get API Gateway's 404 body.
 */
export async function dispatchHttp(
  request: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: Buffer },
  handlers: Record<string, HttpHandler> = HTTP_HANDLERS,
  routes: readonly ApiRoute[] = API_ROUTES,
): Promise<DispatchResult> {
  const path = new URL(request.url, 'http://gateway.local').pathname;
  for (const route of routes) {
    if (route.method !== request.method) continue;
    const pathParameters = matchRoute(route.path, path);
    if (!pathParameters) continue;
    const event = toV2Event({ ...request, routeKey: `${route.method} ${route.path}`, pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined });
    let result;
    try {
      result = await handlers[route.handler]!(event);
    } catch {
      // A handler that throws is a 500 from API Gateway too; ours are written never to.
      return textResult(500, '{"message":"Internal Server Error"}');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
    return { status: result.statusCode ?? 200, headers, setCookies: result.cookies ?? [], body: body.toString('utf8'), bytes: body };
  }
  return textResult(404, '{"message":"Not Found"}');
}
