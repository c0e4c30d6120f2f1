/**
 * Why an agent-side handshake did not produce a token. `code` is a SPEC code from the server
 * (`USRC-1022`, `AUTH-1005`, `AUTH-1010`, ...) or one of the client's own: `TIMEOUT` (the user did not finish
 * within the limit), `NO_SESSION` (connect before sign-up), `USAGE` (poll mode without `onUserCode`), `HTTP`
 * (the server answered something unexpected).
 */
export class HandshakeClientError extends Error {
  override name = 'HandshakeClientError';
  constructor(
    readonly code: string,
    message: string,
    readonly info?: Record<string, unknown>,
  ) {
    super(message);
  }
}
