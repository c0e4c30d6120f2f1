import { sameSecret } from '../crypto/compare';
import { sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';

/**
 * The browser binding of a provider visit (SPEC: the state's nonce as a cookie). Its name derives from the
 * nonce, so two handshakes in two tabs do not overwrite each other.
 */
export const bindingCookieName = (nonce: string) => `hs_bind_${sha256(nonce).slice(0, 16)}`;

/** AUTH-1007 unless the browser presents the cookie set when it left for the provider. */
export function checkBinding(cookies: Record<string, string>, nonce: string): void {
  if (!sameSecret(cookies[bindingCookieName(nonce)], nonce)) throw new HandshakeError('AUTH-1007');
}
