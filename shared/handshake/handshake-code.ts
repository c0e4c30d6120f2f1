import { sha256 } from '../crypto/random';
import { HandshakeError, type ErrorCode } from '../errors';

/** 32 random bytes in base64url (43 characters): a handshake code, and the S256 challenge of a verifier. */
export const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/**
 * The handshake code a request carries, and the hash its record is stored under. Missing: RAPI-1001; not the
 * shape the start answers: `malformed` (a browser link gets AUTH-1002, an agent's body RAPI-1001).
 */
export function handshakeCode(code: unknown, malformed: ErrorCode): { code: string; codeHash: string } {
  if (code === undefined || code === '') throw new HandshakeError('RAPI-1001', 'code is required');
  if (typeof code !== 'string' || !BASE64URL_32_BYTES.test(code)) throw new HandshakeError(malformed, malformed === 'RAPI-1001' ? 'code is required' : undefined);
  return { code, codeHash: sha256(code) };
}
