import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HandshakeError } from '../errors';

/**
 * Reading API Gateway HTTP API (payload 2.0) events. Query parameters are read from `rawQueryString`:
 * the parsed form joins repeated names with commas, which would let `state=a&state=b` through as one value.
 */
export function queryParams(event: APIGatewayProxyEventV2): Record<string, string> {
  return singleValued(new URLSearchParams(event.rawQueryString ?? ''));
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
  const contentType = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded' || !event.body) throw new HandshakeError('RAPI-1001', 'A form body is required');
  const text = rawBody(event).toString('utf8');
  if (text.length > 16_384) throw new HandshakeError('RAPI-1001', 'The form is too large');
  return singleValued(new URLSearchParams(text));
}

/** The body as the client sent it: bytes, whatever API Gateway did to carry it (base64 or text). */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}

/** The request's headers as plain strings (API Gateway gives them lower-cased, repeated ones joined). */
export function requestHeaders(event: APIGatewayProxyEventV2): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  return headers;
}

export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  return event.pathParameters?.[name] ?? '';
}

/** Cookies of a v2 event (`event.cookies` holds `name=value` strings); the first of a repeated name wins. */
export function requestCookies(event: APIGatewayProxyEventV2): Record<string, string> {
  const cookies: Record<string, string> = {};
  const raw = event.cookies ?? (event.headers?.cookie ? event.headers.cookie.split(';') : []);
  for (const pair of raw) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!Object.hasOwn(cookies, name)) cookies[name] = pair.slice(eq + 1).trim();
  }
  return cookies;
}

/** The Bearer token of the Authorization header, if any. */
export function bearerToken(event: APIGatewayProxyEventV2): string | undefined {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
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
