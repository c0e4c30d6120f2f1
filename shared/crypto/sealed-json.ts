import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import type { KeyRing } from './keys';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts a JSON value for storage with the ring's current key (JWE dir/A256GCM, `kid` in the header).
 * `context` (e.g. the item's key) is sealed inside and checked on open, so a ciphertext copied onto another
 * item does not decrypt as that item's value.
 */
export async function sealJson(ring: KeyRing, context: string, value: unknown): Promise<string> {
  const kid = ring.tokens.current;
  const key = ring.tokens.keys.get(kid)!;
  const plaintext = encoder.encode(JSON.stringify({ ctx: context, v: value }));
  return new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid }).encrypt(key);
}

export class SealedJsonError extends Error {
  override name = 'SealedJsonError';
}

/** Opens what `sealJson` wrote, with whichever ring key its `kid` names. */
export async function openJson<T>(ring: KeyRing, context: string, sealed: string): Promise<T> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(sealed).kid;
  } catch {
    throw new SealedJsonError('not a sealed value');
  }
  const key = kid ? ring.tokens.keys.get(kid) : undefined;
  if (!key) throw new SealedJsonError(`no key with id ${String(kid)}`);
  const { plaintext } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
  const parsed = JSON.parse(decoder.decode(plaintext)) as { ctx: string; v: T };
  if (parsed.ctx !== context) throw new SealedJsonError('sealed value belongs to another item');
  return parsed.v;
}
