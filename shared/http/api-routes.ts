/**
 * The HTTP API of one environment (SPEC, "HTTP routes"): which handler serves which route. The CDK stack
 * and the local gateway both read this list, so the two cannot drift apart.
 */
export interface ApiRoute {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  /** Folder under `functions/`. */
  handler: string;
  /** Reachable without a session: throttled harder in AWS. */
  public: boolean;
}

export const API_ROUTES: readonly ApiRoute[] = [
  // Starts every handshake: connect with a Bearer session, sign-up without one (so it is public).
  { method: 'POST', path: '/provider-auth-code', handler: 'provider-auth-code', public: true },
  { method: 'GET', path: '/web/provider-auth/{provider}', handler: 'provider-auth', public: true },
  // Poll mode's confirmation form (the user code).
  { method: 'POST', path: '/web/provider-auth/{provider}', handler: 'provider-auth', public: true },
  { method: 'GET', path: '/no-auth/provider-auth/{provider}', handler: 'provider-auth', public: true },
  { method: 'GET', path: '/no-auth/provider-token/{provider}', handler: 'provider-token', public: true },
  // The relay page of providers that return the token in the URL fragment posts it back here.
  { method: 'POST', path: '/no-auth/provider-token/{provider}', handler: 'provider-token', public: true },
  { method: 'PUT', path: '/no-auth/check-signup', handler: 'check-signup', public: true },
  { method: 'GET', path: '/web/auth-complete/{provider}', handler: 'web-pages', public: true },
  { method: 'GET', path: '/web/error', handler: 'web-pages', public: true },
  { method: 'POST', path: '/no-auth/provider-action/{provider}', handler: 'provider-action', public: true },
  { method: 'GET', path: '/provider-refresh/{provider}', handler: 'provider-refresh', public: false },
  { method: 'PUT', path: '/provider-deauth/{provider}', handler: 'provider-deauth', public: false },
  { method: 'GET', path: '/providers', handler: 'providers', public: true },
  // The agent's catch-up: the me-object and its version (after a restart, a reconnect, a gap).
  { method: 'GET', path: '/me', handler: 'me', public: false },
  // Sign-out: this session, or all of the user's (SPEC, "Sessions").
  { method: 'DELETE', path: '/session', handler: 'sign-out', public: false },
  { method: 'DELETE', path: '/sessions', handler: 'sign-out', public: false },
];

/** Matches a request path against a route template; returns its path parameters (URL-decoded) or undefined. */
export function matchRoute(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  try {
    names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
  } catch {
    return undefined;
  }
  return params;
}
