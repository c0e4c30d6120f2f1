import { randomInt } from 'node:crypto';
import { sha256 } from '../crypto/random';

/**
 * Poll mode's user code (RFC 8628 §6.1): 8 characters from 20 consonants, no vowels (no words), no look-alike
 * digits; about 34.6 bits, and 5 tries per handshake. Shown as `XXXX-XXXX`.
 */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const LENGTH = 8;

export function createUserCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What the person typed, as compared: case, dashes and spaces do not matter (RFC 8628 §6.1); undefined if it cannot be one. */
function normalizeUserCode(typed: string): string | undefined {
  if (typed.length > 32) return undefined;
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

/** Stored instead of the code, salted with the handshake so equal codes of two handshakes do not match. */
export function userCodeHash(codeHash: string, userCode: string): string {
  return sha256(`${codeHash}|${normalizeUserCode(userCode) ?? ''}`);
}
