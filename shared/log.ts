import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Field names whose values are credentials, at any depth of a log entry: tokens of every kind, codes, state,
 * nonces, PKCE and handshake verifiers, loopback results, user codes, CSRF fields, cookies (ours are all
 * `hs_…`), Authorization headers and secrets. Our own error codes are logged as `errorCode`, which this leaves alone.
 */
const SENSITIVE_KEY = /^(code|state|result|csrf|hs_.*)$|token|secret|password|authorization|cookie|nonce|verifier|session|credential|user_?code|handshakecode|assertion/i;
export const REDACTED = '[REDACTED]';

/**
 * Credentials recognised by their shape wherever they sit inside a string, so that a whole API Gateway event
 * (`rawQueryString`, a JSON or form `body`, `cookies`, a header) can be logged: JWTs and JWEs, `Bearer`/`Basic`
 * credentials, and `name=value` or `"name": "value"` pairs whose name is a credential name.
 */
const JOSE_COMPACT = /\beyJ[\w-]{4,}(?:\.[\w-]*){2,4}/g;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[\w.~+/=-]{8,}/gi;
const FORM_PAIR = /([\w.-]+)=([^&;\s"',]*)/g;
const JSON_PAIR = /"([\w.-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;

/** Nothing to look for without one of these: most strings of a log line (messages, ids, timestamps) skip the scans. */
const MAY_HOLD_CREDENTIAL = /=|"\s*:|eyJ|bearer|basic/i;

export function redactString(text: string): string {
  if (!MAY_HOLD_CREDENTIAL.test(text)) return text;
  return text
    .replace(JSON_PAIR, (pair, name: string, colon: string) => (SENSITIVE_KEY.test(name) ? `"${name}"${colon}"${REDACTED}"` : pair))
    .replace(FORM_PAIR, (pair, name: string, value: string) => (value && SENSITIVE_KEY.test(name) ? `${name}=${REDACTED}` : pair))
    .replace(JOSE_COMPACT, REDACTED)
    .replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${REDACTED}`);
}

export function redactSensitive(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (key && SENSITIVE_KEY.test(key)) return REDACTED;
  if (typeof value === 'string') return redactString(value);
  // A base64 body (a form post through API Gateway) cannot be scrubbed by shape without decoding: drop it.
  if (typeof value === 'object' && (value as { isBase64Encoded?: unknown }).isBase64Encoded === true && 'body' in value) {
    return { ...value, body: REDACTED };
  }
  return value;
}

/**
 * The service logger (Powertools). Callers log fields they chose; the whole event only when an operator turns
 * on POWERTOOLS_LOGGER_LOG_EVENT. Either way every credential, by name or by shape, is redacted on its way out.
 */
export function createLogger(serviceName = 'handshake'): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactSensitive });
}

export type { Logger };
