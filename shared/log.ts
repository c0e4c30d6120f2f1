import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { requestContext } from './request-context';

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
 * Powertools' own log record (its keys, in its order), with the invocation each line belongs to taken from the
 * request context rather than from the logger: `function_request_id`, `cold_start` and the other Lambda
 * names, and `correlation_id`, API Gateway's request id (the reference id of the error page). Powertools'
 * `addContext` and `setCorrelationId` would keep them on the logger, one per container, which concurrent
 * invocations in one process (the local gateways) would overwrite for each other.
 */
class InvocationLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const request = requestContext();
    const lambda = request?.invocation ?? attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: lambda?.coldStart,
        function_arn: lambda?.invokedFunctionArn,
        function_memory_size: lambda?.memoryLimitInMB,
        function_name: lambda?.functionName,
        function_request_id: lambda?.awsRequestId,
        correlation_id: request?.referenceId,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

/**
 * A service logger (Powertools). Callers log fields they chose; the whole event only when an operator turns
 * on POWERTOOLS_LOGGER_LOG_EVENT. Either way every credential, by name or by shape, is redacted on its way out.
 * Every line names its invocation (see InvocationLogFormatter); the level is POWERTOOLS_LOG_LEVEL's.
 */
export function createLogger(serviceName = 'handshake'): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactSensitive, logFormatter: new InvocationLogFormatter() });
}

const containerLoggers = new Map<string, Logger>();

/**
 * The container's logger of a service, made on first use and there before any runtime: a handler whose
 * runtime could not be built still logs why, with the same fields. The runtimes log through it too.
 *
 * @example
 * serviceLogger().error('request failed', { route, errorName });
 */
export function serviceLogger(serviceName = 'handshake'): Logger {
  let logger = containerLoggers.get(serviceName);
  if (!logger) containerLoggers.set(serviceName, (logger = createLogger(serviceName)));
  return logger;
}

export type { Logger };
