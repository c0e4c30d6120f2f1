import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random string carrying `bytes` bytes of entropy (32 bytes → 43 characters). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a UTF-8 string, base64url: how secrets that arrive in URLs are keyed in storage. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}
