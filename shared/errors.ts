/**
 * The one error type of the handshake. Every refusal carries a stable code from SPEC.md so agents can
 * branch on it and browsers can be sent to the error page with it.
 *
 * @example
 * throw new HandshakeError('AUTH-1008', 'This sign-in link was already used');
 */
export const ERROR_CODES = {
  'RAPI-1001': { status: 400, message: 'A required parameter is missing or malformed' },
  'RAPI-1002': { status: 400, message: 'redirectUri must be http://127.0.0.1:<port>/<path> or http://[::1]:<port>/<path>' },
  'AUTH-1002': { status: 403, message: 'The sign-in request is invalid' },
  'AUTH-1005': { status: 403, message: 'The sign-in request has expired' },
  'AUTH-1006': { status: 403, message: 'The sign-in has not completed yet' },
  'AUTH-1007': { status: 403, message: 'This sign-in was started in another browser' },
  'AUTH-1008': { status: 403, message: 'This sign-in request was already used' },
  'AUTH-1009': { status: 403, message: 'The code does not match the one shown in your IDE' },
  'AUTH-1010': { status: 403, message: 'Too many wrong codes were entered; this sign-in was stopped' },
  'PRVD-1000': { status: 403, message: 'Unknown provider' },
  'PRVD-1003': { status: 403, message: 'Unknown enterprise host for this provider' },
  'PRVD-1009': { status: 403, message: 'This provider is not configured on this environment' },
  'RAPI-1010': { status: 403, message: 'The provider refused to exchange the authorization code' },
  'USRC-1022': { status: 403, message: 'The provider login failed' },
  'USRC-1023': { status: 403, message: 'This provider cannot be used to sign up; sign up with another and connect this one' },
  'ENV-1001': { status: 403, message: 'Unknown environment' },
  // Not in SPEC's list: a missing or bad session token is a plain 401, and our own faults need a code too.
  'AUTH-1001': { status: 401, message: 'Missing or invalid session token' },
  'SRV-1000': { status: 503, message: 'The service is temporarily unavailable; try again' },
  // Refresh (README, "Providers"): nothing stored, a token that cannot be refreshed,
  // and a grant the provider no longer honours (the user must connect again).
  'RAPI-1003': { status: 404, message: 'Nothing is stored for this provider' },
  'PRVD-1011': { status: 403, message: 'The provider no longer accepts this connection; connect again' },
  'PRVD-1012': { status: 403, message: 'This connection cannot be refreshed' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HandshakeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly info?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, info?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'HandshakeError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    if (info) this.info = info;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Any thrown value as a HandshakeError: unknown faults become SRV-1000 so no stack trace leaves the server. */
export function asHandshakeError(err: unknown): HandshakeError {
  return err instanceof HandshakeError ? err : new HandshakeError('SRV-1000');
}
