import type { ApiRoute } from '../http/api-routes.js';

/**
 * The HTTP API of the auth origin (SPEC, "Shared development apps"): the one callback registered with
 * providers that allow a single redirect URI, the interactive-components endpoint, and its error page.
 */
export const AUTH_ORIGIN_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/no-auth/provider-token/{provider}', handler: 'auth-origin-callback', public: true },
  { method: 'POST', path: '/no-auth/provider-action/{provider}', handler: 'provider-action-proxy', public: true },
  { method: 'GET', path: '/web/error', handler: 'web-pages', public: true },
];
