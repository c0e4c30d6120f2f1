import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface RawRequest {
  method: string;
  /** Path and query as received, e.g. `/no-auth/provider-token/github?code=..&state=..`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
  routeKey: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
}

/**
 * Shapes a raw HTTP request as API Gateway HTTP API (payload format 2.0) would: lower-case headers joined
 * with commas, cookies split out into `cookies`, the raw query string kept, a text body or base64.
 */
export function toV2Event(request: RawRequest): APIGatewayProxyEventV2 {
  const url = new URL(request.url, 'http://gateway.local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.toLowerCase() === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookieHeader = request.headers.cookie ?? request.headers.Cookie;
  const cookies = (Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] = queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const contentType = headers['content-type'] ?? '';
  const textual = !request.body || /^(text\/|application\/(json|x-www-form-urlencoded))/.test(contentType) || contentType === '';
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: request.routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(request.body && request.body.length
      ? textual
        ? { body: request.body.toString('utf8'), isBase64Encoded: false }
        : { body: request.body.toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}
