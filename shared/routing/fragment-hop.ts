import { createHash } from 'node:crypto';
import { findProviderRow } from '../providers/catalog';
import { htmlResponse, type HttpResult } from '../http/responses';

/**
 * Providers whose implicit grant returns the state in the URL fragment too (YouTrack's Hub) send the browser
 * to the auth origin with nothing in the query, and the router cannot tell which environment the state names.
 * This page's one script (allowed by hash) reads the state, and only the state, from the fragment and reloads
 * the same callback with it in the query, the fragment kept: the server sees the state, never the token, and
 * the router's 302 to the environment carries the fragment on (a Location without one inherits it), so the
 * token reaches only that environment's own relay page.
 */
const HOP_SCRIPT = `(function () {
  var fragment = new URLSearchParams(location.hash.slice(1));
  var state = fragment.get('state');
  if (!state) {
    location.replace('/web/error?code=ENV-1001');
    return;
  }
  location.replace(location.pathname + '?' + new URLSearchParams({ state: state }).toString() + location.hash);
})();`;

const HOP_CSP = `default-src 'none'; script-src 'sha256-${createHash('sha256').update(HOP_SCRIPT, 'utf8').digest('base64')}'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`;

const HOP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Completing sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1rem;color:#1f2328}</style>
</head><body><p>Completing sign-in&hellip;</p>
<noscript><p>This sign-in needs JavaScript to finish. Return to your IDE and try again with JavaScript enabled.</p></noscript>
<script>${HOP_SCRIPT}</script></body></html>`;

/** The hop page for a fragment provider's callback that arrived without a query; undefined for anything else. */
export function fragmentHop(provider: string, rawQueryString: string): HttpResult | undefined {
  const row = findProviderRow(provider);
  if (row?.grant !== 'fragment' || row.stateInRedirectUri || rawQueryString !== '') return undefined;
  const page = htmlResponse(200, HOP_PAGE);
  return { ...page, headers: { ...page.headers, 'content-security-policy': HOP_CSP } };
}
