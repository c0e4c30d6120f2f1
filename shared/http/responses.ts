import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorPageFor, type HandshakeConfig } from '../config';
import { ERROR_CODES, type HandshakeError } from '../errors';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/** Every answer may carry a token, a code or a state: none is cached, none leaks through Referer. */
const BASE_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const HTML_HEADERS = {
  ...BASE_HEADERS,
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
};

export function jsonResponse(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { ...BASE_HEADERS, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function redirectResponse(location: string, cookies?: string[]): HttpResult {
  return { statusCode: 302, headers: { ...BASE_HEADERS, location }, ...(cookies?.length ? { cookies } : {}), body: '' };
}

export function htmlResponse(statusCode: number, html: string): HttpResult {
  return { statusCode, headers: { ...HTML_HEADERS }, body: html };
}

/** The one mapping of an error to what an agent sees: `{code, message, info?}` with the SPEC status. */
export function agentErrorResponse(err: HandshakeError): HttpResult {
  return jsonResponse(err.status, { code: err.code, message: ERROR_CODES[err.code].message, ...(err.info ? { info: err.info } : {}) });
}

/** The one mapping of an error to what a browser sees: a redirect to the error page with code and provider. */
export function browserErrorResponse(config: HandshakeConfig, err: HandshakeError, provider?: string): HttpResult {
  return redirectResponse(errorPageFor(config, err.code, provider));
}
