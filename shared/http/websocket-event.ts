import { bearerToken } from './request';

/**
 * The parts of an API Gateway WebSocket `$connect` / `$disconnect` event we read. `$connect` carries the
 * upgrade request's query and headers; `$disconnect` carries only the connection id.
 */
export interface WebSocketEvent {
  requestContext: { connectionId?: string; routeKey?: string; eventType?: string; requestId?: string; [other: string]: unknown };
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
  isBase64Encoded?: boolean;
}

/** The session token of a `$connect`: `?token=` or `Authorization: Bearer` (header names in any case). */
export function connectToken(event: WebSocketEvent): string | undefined {
  const query = event.queryStringParameters?.token;
  if (query) return query;
  // The console's `$connect` template writes `Authorization`, `Host` and `Sec-WebSocket-Key` capitalised.
  return bearerToken(event);
}
