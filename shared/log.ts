import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Field names whose values are credentials, at any depth of a log entry: tokens of every kind, codes, state,
 * nonces, PKCE and handshake verifiers, loopback results, user codes, CSRF fields, cookies, Authorization
 * headers and secrets. Our own error codes are logged as `errorCode`, which this leaves alone.
 */
const SENSITIVE_KEY = /^(code|state|result|csrf)$|token|secret|password|authorization|cookie|nonce|verifier|session|credential|user_?code|handshakecode/i;
export const REDACTED = '[REDACTED]';

export function redactSensitive(key: string, value: unknown): unknown {
  return key && SENSITIVE_KEY.test(key) && value !== undefined && value !== null ? REDACTED : value;
}

/**
 * The service logger (Powertools). Callers log only fields they chose, never whole events or responses;
 * should one slip in anyway, every credential-named field is redacted on its way out.
 */
export function createLogger(serviceName = 'handshake'): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactSensitive });
}

export type { Logger };
