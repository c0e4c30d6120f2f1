import { createHmac } from 'node:crypto';
import { cookiesNeedSecure, visitPathFor, visitUrlFor, type HandshakeConfig } from '../config';
import { sameSecret } from '../crypto/compare';
import { randomToken } from '../crypto/random';
import { HandshakeError } from '../errors';
import type { ConfirmationView } from '../handshake/visit';
import { confirmationPage } from './pages';
import { htmlResponse, type HttpResult } from './responses';

/**
 * The confirmation form's CSRF defence. Without it, a page elsewhere could post the user code the attacker
 * knows from the victim's browser and so skip the one step a forwarded link cannot pass. The form carries an
 * HMAC of the handshake and a random cookie (SameSite=Strict: never sent on another site's post); the POST
 * must bring both, and, where the browser says where it comes from, come from us.
 */
const CSRF_COOKIE = 'hs_csrf';
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

const csrfField = (key: Uint8Array, codeHash: string, cookie: string) => createHmac('sha256', key).update(`csrf|${codeHash}|${cookie}`).digest('base64url');

/**
 * Form posts go to our own path and, after the right code, are redirected to the provider, whose origin is
 * only known then (and may redirect on to an identity provider of its own): `form-action` allows https
 * targets, and plain http on loopback for a local stack.
 */
const CONFIRMATION_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self' https: http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'";

/** The confirmation page with its form, reusing this browser's CSRF cookie or setting one. */
export function confirmationResponse(config: HandshakeConfig, key: Uint8Array, view: ConfirmationView, cookies: Record<string, string>): HttpResult {
  const existing = cookies[CSRF_COOKIE];
  const cookie = existing && COOKIE_VALUE.test(existing) ? existing : randomToken(32);
  const response = htmlResponse(200, confirmationPage(view, { action: visitUrlFor(config, view.provider), csrf: csrfField(key, view.codeHash, cookie) }));
  response.headers['content-security-policy'] = CONFIRMATION_CSP;
  if (cookie !== existing) {
    const secure = cookiesNeedSecure(config) ? '; Secure' : '';
    response.cookies = [`${CSRF_COOKIE}=${cookie}; Path=${visitPathFor(config, view.provider)}; Max-Age=600; HttpOnly; SameSite=Strict${secure}`];
  }
  return response;
}

/** AUTH-1007 unless the post comes from the form we rendered in this browser for this handshake. */
export function checkConfirmationPost(
  config: HandshakeConfig,
  key: Uint8Array,
  request: { codeHash: string; csrf?: string; cookies: Record<string, string>; headers: Record<string, string> },
): void {
  // Fetch metadata and Origin, where sent: a post from another site is refused before anything else. Our pages'
  // Referrer-Policy makes browsers send `Origin: null` on their own posts, so only another origin is refused.
  const site = request.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') throw new HandshakeError('AUTH-1007');
  const origin = request.headers.origin;
  if (origin && origin !== 'null' && origin !== new URL(config.publicApiUrl).origin) throw new HandshakeError('AUTH-1007');
  const cookie = request.cookies[CSRF_COOKIE];
  if (!cookie || !COOKIE_VALUE.test(cookie) || !sameSecret(request.csrf, csrfField(key, request.codeHash, cookie))) throw new HandshakeError('AUTH-1007');
}
