/**
 * Every provider is a row of data; one flow engine reads the rows. Adding a provider means adding a row
 * here (and its credentials to configuration), never touching flow code.
 *
 * Endpoint templates may contain `{host}` (the enterprise or per-org origin chosen by the user) and
 * `{issuer}` (for rows that use OpenID Connect discovery instead of fixed endpoints).
 */
export type IdentitySource = 'oidc-userinfo' | 'github' | 'gitlab';

export interface ProviderRow {
  id: string;
  name: string;
  /** The provider's OAuth documentation this row follows. */
  docs: string;
  /** Fixed endpoint templates, or `discovery` to read them from `{issuer}/.well-known/openid-configuration`. */
  endpoints:
    | { kind: 'static'; authorize: string; token: string; userinfo?: string; api?: string }
    | { kind: 'discovery' };
  /** `required`: the user names an org/enterprise host (validated against configuration). */
  host: 'none' | 'required';
  scopes: string[];
  scopeSeparator: string;
  /** Send an RFC 7636 S256 challenge. On by default; a row opts out only where the provider rejects it. */
  pkce: boolean;
  /** How the client authenticates at the token endpoint (RFC 6749 §2.3.1): Basic header or body fields. */
  clientAuth: 'header' | 'body';
  tokenRequestFormat: 'form' | 'json';
  authorizeParams?: Record<string, string>;
  identity: IdentitySource;
}

export const PROVIDER_CATALOG: readonly ProviderRow[] = [
  {
    id: 'github',
    name: 'GitHub',
    docs: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    endpoints: {
      kind: 'static',
      authorize: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      api: 'https://api.github.com',
    },
    host: 'none',
    scopes: ['repo', 'read:user', 'user:email'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    identity: 'github',
  },
  {
    id: 'gitlab',
    name: 'GitLab',
    docs: 'https://docs.gitlab.com/api/oauth2/#authorization-code-with-proof-key-for-code-exchange-pkce',
    endpoints: {
      kind: 'static',
      authorize: 'https://gitlab.com/oauth/authorize',
      token: 'https://gitlab.com/oauth/token',
      api: 'https://gitlab.com/api/v4',
    },
    host: 'none',
    scopes: ['api', 'read_user'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    identity: 'gitlab',
  },
  {
    // Okta's org authorization server lives on each customer's own org host (https://<org>.okta.com).
    id: 'okta',
    name: 'Okta',
    docs: 'https://developer.okta.com/docs/guides/implement-grant-type/authcodepkce/main/',
    endpoints: {
      kind: 'static',
      authorize: '{host}/oauth2/v1/authorize',
      token: '{host}/oauth2/v1/token',
      userinfo: '{host}/oauth2/v1/userinfo',
    },
    host: 'required',
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'header',
    tokenRequestFormat: 'form',
    identity: 'oidc-userinfo',
  },
  {
    // Any OpenID Connect provider, configured by its issuer URL.
    id: 'oidc',
    name: 'OpenID Connect',
    docs: 'https://openid.net/specs/openid-connect-discovery-1_0.html',
    endpoints: { kind: 'discovery' },
    host: 'none',
    scopes: ['openid', 'email', 'profile'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'header',
    tokenRequestFormat: 'form',
    identity: 'oidc-userinfo',
  },
  {
    // The built-in demo identity provider of the local stack (oidc-provider), any login name accepted.
    id: 'demo',
    name: 'Demo provider',
    docs: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md',
    endpoints: { kind: 'discovery' },
    host: 'none',
    scopes: ['openid', 'email', 'profile'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'header',
    tokenRequestFormat: 'form',
    identity: 'oidc-userinfo',
  },
];

export function findProviderRow(id: string, catalog: readonly ProviderRow[] = PROVIDER_CATALOG): ProviderRow | undefined {
  return catalog.find((row) => row.id === id);
}
