import { createHash, randomBytes } from 'node:crypto';

/**
 * The agent's proof of possession (SPEC, "The binding rule" 1), as RFC 7636 makes it between client and
 * provider: a fresh random verifier per handshake, and its S256 challenge sent at the start.
 */
export function createVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
