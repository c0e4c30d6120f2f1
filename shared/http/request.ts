import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HandshakeError } from '../errors';

/**
 * Reading API Gateway HTTP API (payload 2.0) events, both as API Gateway sends them (header names lower-cased,
 * `cookies` split out, `rawQueryString` always there) and as the Lambda console's and `sam local generate-event`'s
 * test events are written (header names in any case, the cookie only in a `Cookie` header, the query only as
 * `queryStringParameters`).
 */

/** The part of an event the header lookup reads; WebSocket events have it too. */
export interface WithHeaders {
  headers?: Record<string, string | undefined> | null;
}

/**
 * A request header by name, in any case: API Gateway lower-cases names, test events keep `Content-Type`.
 *
 * @example
 * header(event, 'Content-Type') // 'application/json' whether the event says content-type or Content-Type
 */
export function header(event: WithHeaders, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  if (headers[wanted] !== undefined) return headers[wanted];
  for (const [key, value] of Object.entries(headers)) if (value !== undefined && key.toLowerCase() === wanted) return value;
  return undefined;
}

/**
 * The query string as the client sent it: `rawQueryString` when the event has one, else one re-serialised from
 * `queryStringParameters` (test events that only carry the parsed form). The auth origin forwards this.
 */
export function rawQuery(event: Pick<APIGatewayProxyEventV2, 'rawQueryString' | 'queryStringParameters'>): string {
  if (typeof event.rawQueryString === 'string' && event.rawQueryString !== '') return event.rawQueryString;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) params.append(name, value);
  return params.toString();
}

/**
 * The query's parameters, each name at most once (RAPI-1001 for `state=a&state=b`). Read from `rawQueryString`
 * whenever the event has one, as every real one does: the parsed `queryStringParameters` joins a repeated name's
 * values with commas, so it cannot show the repeat, and is only the fallback for test events without the raw form.
 */
export function queryParams(event: APIGatewayProxyEventV2): Record<string, string> {
  return singleValued(new URLSearchParams(rawQuery(event)));
}

function singleValued(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    if (values.length > 1) throw new HandshakeError('RAPI-1001', `Parameter ${name.slice(0, 32)} is repeated`);
    result[name] = values[0]!;
  }
  return result;
}

/**
 * The fields of an `application/x-www-form-urlencoded` body (a browser form post), with the same refusal of
 * repeated names as the query.
 */
export function formParams(event: APIGatewayProxyEventV2): Record<string, string> {
  const contentType = (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded' || !event.body) throw new HandshakeError('RAPI-1001', 'A form body is required');
  const text = rawBody(event).toString('utf8');
  if (text.length > 16_384) throw new HandshakeError('RAPI-1001', 'The form is too large');
  return singleValued(new URLSearchParams(text));
}

/** The body as the client sent it: bytes, whatever API Gateway did to carry it (base64 or text). */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}

/** The request's headers as plain strings, names lower-cased (as API Gateway gives them; test events may not), repeated ones joined. */
export function requestHeaders(event: APIGatewayProxyEventV2): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  return headers;
}

export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  return event.pathParameters?.[name] ?? '';
}

/**
 * Cookies of a v2 event: `event.cookies` (`name=value` strings, as API Gateway splits them out), else the
 * `Cookie` header in any case (test events); the first of a repeated name wins.
 */
export function requestCookies(event: APIGatewayProxyEventV2): Record<string, string> {
  const cookies: Record<string, string> = {};
  const raw = event.cookies?.length ? event.cookies : (header(event, 'cookie')?.split(';') ?? []);
  for (const pair of raw) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!Object.hasOwn(cookies, name)) cookies[name] = pair.slice(eq + 1).trim();
  }
  return cookies;
}

/** The Bearer token of the Authorization header (its name in any case), if any; WebSocket `$connect` reads it too. */
export function bearerToken(event: WithHeaders): string | undefined {
  return header(event, 'authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/** A JSON object body, or RAPI-1001. */
export function jsonBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  if (!event.body) throw new HandshakeError('RAPI-1001', 'A JSON body is required');
  const text = rawBody(event).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HandshakeError('RAPI-1001', 'The body is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HandshakeError('RAPI-1001', 'The body must be a JSON object');
  return parsed as Record<string, unknown>;
}
