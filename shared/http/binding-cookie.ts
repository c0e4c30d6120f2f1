import { callbackPathFor, cookiesNeedSecure, type HandshakeConfig } from '../config';
import { bindingCookieName } from '../handshake/binding';
import { STATE_MAX_LIFETIME_SECONDS } from '../state';

/**
 * The Set-Cookie of the browser binding: scoped to the provider's callback path, HttpOnly, SameSite=Lax (it
 * must come back on the provider's top-level redirect), as long as a state lives. It is not cleared after
 * the callback: reloading a finished callback in the same browser shows its outcome again (SPEC).
 */
export function bindingCookie(config: HandshakeConfig, provider: string, nonce: string): string {
  const attributes = [
    `${bindingCookieName(nonce)}=${nonce}`,
    `Path=${callbackPathFor(config, provider)}`,
    `Max-Age=${STATE_MAX_LIFETIME_SECONDS}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (cookiesNeedSecure(config)) attributes.push('Secure');
  return attributes.join('; ');
}
