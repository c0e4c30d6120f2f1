import { createHash } from 'node:crypto';
import { HandshakeError } from '../errors';
import type { Runtime } from '../runtime';
import { escapeHtml } from './pages';
import { htmlResponse, type HttpResult } from './responses';

/**
 * Providers that hand the token back in the URL fragment (Trello, YouTrack's Hub) send the browser to our
 * callback with `#token=...`, which never reaches a server. The callback then answers this page: its one
 * script (allowed by hash, nothing else may run) drops the fragment from the address bar and history, and
 * posts the fragment's OAuth fields with the state to the same callback path (same origin, so the binding
 * cookie goes along). The POST is then checked exactly like a code callback.
 */
const RELAYED_FIELDS = ['access_token', 'token', 'token_type', 'expires_in', 'scope', 'state', 'error'] as const;

const RELAY_SCRIPT = `(function () {
  var fragment = new URLSearchParams(location.hash.slice(1));
  var query = new URLSearchParams(location.search);
  history.replaceState(null, '', location.pathname + location.search);
  var form = document.getElementById('relay');
  form.setAttribute('action', location.pathname);
  ${JSON.stringify(RELAYED_FIELDS)}.forEach(function (name) {
    var value = fragment.get(name) || ((name === 'state' || name === 'error') && query.get(name)) || '';
    if (!value) return;
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  });
  form.submit();
})();`;

const SCRIPT_HASH = `'sha256-${createHash('sha256').update(RELAY_SCRIPT, 'utf8').digest('base64')}'`;

const RELAY_CSP = `default-src 'none'; script-src ${SCRIPT_HASH}; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

const RELAY_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Completing sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1rem;color:#1f2328}</style>
</head><body><form id="relay" method="post"></form><p>Completing sign-in&hellip;</p>
<noscript><p>This sign-in needs JavaScript to finish. Return to your IDE and try again with JavaScript enabled.</p></noscript>
<script>${RELAY_SCRIPT}</script></body></html>`;

/**
 * Where a relayed callback sends the browser on. The relay's POST is a form submission, and browsers apply
 * `form-action` to the redirects that follow one: a 302 to the agent's loopback listener (another origin, and
 * `[::1]` cannot even be named in a CSP) would be blocked. A page that moves on by itself (meta refresh) is a
 * new navigation, not the form's, so it reaches any of them.
 */
export function relayedOnward(location: string): HttpResult {
  const target = escapeHtml(location);
  return htmlResponse(
    200,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${target}"><title>Completing sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1rem;color:#1f2328}</style>
</head><body><p>Completing sign-in&hellip; <a href="${target}">Continue</a></p></body></html>`,
  );
}

/**
 * The relay for a fragment provider's callback: the page for a GET that carries no error (the token is in the
 * fragment), undefined otherwise (the ordinary callback handles it). A POST is accepted for fragment
 * providers only: no other provider posts its answer.
 */
export function fragmentRelay(rt: Runtime, providerId: string, method: string, params: Record<string, string>): HttpResult | undefined {
  const grant = rt.providers.find(providerId)?.grant;
  if (method === 'POST') {
    if (grant !== 'fragment') throw new HandshakeError('RAPI-1001', 'This provider does not post its answer');
    return undefined;
  }
  if (grant !== 'fragment' || params.error) return undefined;
  const page = htmlResponse(200, RELAY_PAGE);
  return { ...page, headers: { ...page.headers, 'content-security-policy': RELAY_CSP } };
}
