import { timingSafeEqual } from 'node:crypto';
import { callbackPathFor, cookiesNeedSecure, type HandshakeConfig } from '../config';
import { sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import { STATE_MAX_LIFETIME_SECONDS } from '../state';

/**
 * The browser binding of a handshake (SPEC: the nonce as a cookie). Its name derives from the nonce, so
 * two handshakes in two tabs do not overwrite each other, and it is scoped to the callback path.
 */
const cookieName = (nonce: string) => `hs_bind_${sha256(nonce).slice(0, 16)}`;

export function bindingCookie(config: HandshakeConfig, provider: string, nonce: string): string {
  const attributes = [
    `${cookieName(nonce)}=${nonce}`,
    `Path=${callbackPathFor(config, provider)}`,
    `Max-Age=${STATE_MAX_LIFETIME_SECONDS}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (cookiesNeedSecure(config)) attributes.push('Secure');
  return attributes.join('; ');
}

export function clearBindingCookie(config: HandshakeConfig, provider: string, nonce: string): string {
  const secure = cookiesNeedSecure(config) ? '; Secure' : '';
  return `${cookieName(nonce)}=; Path=${callbackPathFor(config, provider)}; Max-Age=0; HttpOnly; SameSite=Lax${secure}`;
}

/** AUTH-1007 unless the browser presents the cookie set when this handshake started. */
export function checkBinding(cookies: Record<string, string>, nonce: string): void {
  const presented = cookies[cookieName(nonce)];
  if (!presented) throw new HandshakeError('AUTH-1007');
  const a = Buffer.from(presented);
  const b = Buffer.from(nonce);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HandshakeError('AUTH-1007');
}
