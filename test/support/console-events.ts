import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { WebSocketEvent } from '../../shared/http/websocket-event';

/**
 * Test events written the way the Lambda console's templates ("API Gateway HTTP API", "API Gateway WebSocket")
 * and `sam local generate-event apigateway http-api-proxy` write them, which is not how API Gateway sends them:
 * header names in any case (`Host`, `Header1`), the cookie only in a `Cookie` header (no `cookies`), the query
 * only in `queryStringParameters` (no `rawQueryString`, or an empty one). People paste these into the console's
 * Test tab and into `sam local invoke`; the handlers must read them as they read real events.
 * For the shape of a real event, see local/v2-event.ts (`toV2Event`).
 */

/** The console's "API Gateway HTTP API" template, as a literal: its fields, our own values. */
const HTTP_API_TEMPLATE = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/my/path',
  headers: {
    Header1: 'value1',
    Header2: 'value1,value2',
    Host: 'id.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'Mozilla/5.0 (console test event)',
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'api-id',
    domainName: 'id.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'id',
    http: { method: 'POST', path: '/my/path', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'Mozilla/5.0 (console test event)' },
    requestId: 'JKJaXmPLvHcESHA=',
    routeKey: '$default',
    stage: '$default',
    time: '12/Mar/2020:19:03:58 +0000',
    timeEpoch: 1583348638390,
  },
  pathParameters: { parameter1: 'value1' },
  stageVariables: { stageVariable1: 'value1', stageVariable2: 'value2' },
  isBase64Encoded: false,
} as const;

export interface ConsoleHttpRequest {
  /** `GET /web/provider-auth/{provider}`: the route's key, as the console's user would set it. */
  routeKey: string;
  /** The concrete path, e.g. `/web/provider-auth/github`. */
  path: string;
  pathParameters?: Record<string, string>;
  /** Added to the template's headers as written (`Cookie`, `Content-Type`, `Authorization`...). */
  headers?: Record<string, string>;
  /** The query, only in its parsed form. */
  query?: Record<string, string>;
  /** The SAM template's variant: `rawQueryString: ''` next to the parsed query; the console omits it. */
  emptyRawQueryString?: boolean;
  body?: string;
}

/** An HTTP API (payload 2.0) event as the console or SAM template makes it, for one of our routes. */
export function consoleHttpEvent(request: ConsoleHttpRequest): APIGatewayProxyEventV2 {
  const method = request.routeKey.split(' ')[0]!;
  const event = {
    ...HTTP_API_TEMPLATE,
    routeKey: request.routeKey,
    rawPath: request.path,
    ...(request.emptyRawQueryString ? { rawQueryString: '' } : {}),
    headers: { ...HTTP_API_TEMPLATE.headers, ...request.headers },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    requestContext: { ...HTTP_API_TEMPLATE.requestContext, routeKey: request.routeKey, http: { ...HTTP_API_TEMPLATE.requestContext.http, method, path: request.path } },
    pathParameters: request.pathParameters,
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
  // The type says `rawQueryString` is always there, as it is in real events; these events are the ones without it.
  return event as unknown as APIGatewayProxyEventV2;
}

/** The console's "API Gateway WebSocket" `$connect` template, as a literal: its fields, our own values. */
const CONNECT_TEMPLATE = {
  headers: {
    Host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'X-Amzn-Trace-Id': 'Root=1-5e7b8f4c-2a3b4c5d6e7f8a9b0c1d2e3f',
    'X-Forwarded-For': '192.0.2.1',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  } as Record<string, string>,
  requestContext: {
    routeKey: '$connect',
    eventType: 'CONNECT',
    extendedRequestId: 'KdRxLHLtoAMFj2Q=',
    requestTime: '25/Mar/2020:17:36:44 +0000',
    messageDirection: 'IN',
    stage: 'prod',
    connectedAt: 1585157804406,
    requestTimeEpoch: 1585157804407,
    identity: { sourceIp: '192.0.2.1', userAgent: null },
    requestId: 'KdRxLHLtoAMFj2Q=',
    domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
    connectionId: 'KdRxLe1JoAMCJbw=',
    apiId: 'abcdef1234',
  },
  isBase64Encoded: false,
};

/** A WebSocket `$connect` event as the console template makes it: `headers` and `multiValueHeaders`, names capitalised. */
export function consoleConnectEvent(request: { headers?: Record<string, string>; query?: Record<string, string>; connectionId?: string } = {}): WebSocketEvent {
  const headers = { ...CONNECT_TEMPLATE.headers, ...request.headers };
  return {
    ...CONNECT_TEMPLATE,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    ...(request.query
      ? { queryStringParameters: request.query, multiValueQueryStringParameters: Object.fromEntries(Object.entries(request.query).map(([name, value]) => [name, [value]])) }
      : {}),
    requestContext: { ...CONNECT_TEMPLATE.requestContext, ...(request.connectionId ? { connectionId: request.connectionId } : {}) },
  } as WebSocketEvent;
}
