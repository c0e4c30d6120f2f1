import { randomToken, sha256 } from './random';

/**
 * RFC 7636 PKCE with S256. The verifier rides inside the sealed state, so the callback can prove
 * possession without storing anything at authorize time.
 */
export function createPkceVerifier(): string {
  return randomToken(32);
}

export function pkceChallenge(verifier: string): string {
  return sha256(verifier);
}
