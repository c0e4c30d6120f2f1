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
    super(code === 'AUTH-1005' ? 'the handshake expired before it was finished: start again from the IDE' : message);
  }

  /** The handshake ran out of time (AUTH-1005): start a new one; nothing of this one can be collected. */
  get expired(): boolean {
    return this.code === 'AUTH-1005';
  }
}
