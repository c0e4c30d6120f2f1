/**
 * Every provider is a row of data; one flow engine reads the rows. Adding a provider means adding a row
 * here (and its credentials to configuration), never touching flow code.
 *
 * Endpoint templates may contain `{host}` (the enterprise or per-org origin chosen by the user); revoke URLs
 * may also contain `{clientId}` and `{token}`, filled (URL-encoded) when the token is revoked. Rows whose
 * endpoints say `discovery` read them from `{issuer}/.well-known/openid-configuration`.
 *
 * @example
 * const row = findProviderRow('gitlab_enterprise'); // { host: 'required', endpoints: { authorize: '{host}/oauth/authorize', ... } }
 */

import type { RowOption } from './row-options';

/** How the signed-in user's identity is read at sign-up; each names one reader in `identity.ts`. */
export type IdentitySource =
  | 'oidc-userinfo'
  | 'github'
  | 'gitlab'
  | 'bitbucket'
  | 'atlassian'
  | 'asana'
  | 'azuredevops'
  | 'linear'
  | 'msgraph'
  | 'slack'
  | 'trello'
  | 'youtrack'
  | 'jiraserver'
  | 'jiradatacenter';

/**
 * How the token reaches the broker:
 * - `code`: RFC 6749 §4.1, the code comes back in the query and is exchanged server to server (with PKCE);
 * - `fragment`: the token comes back in the URL fragment (RFC 6749 §4.2, or Trello's `1/authorize`), which
 *   the server never sees: the callback serves a small page that posts it back with the state;
 * - `oauth1`: RFC 5849 three-legged OAuth 1.0a (temporary credentials, authorize, token credentials).
 */
export type GrantKind = 'code' | 'fragment' | 'oauth1';

/** How a token is revoked at deauth. */
export interface RevokeEndpoint {
  /** Template: `{host}`, `{clientId}`, `{token}`. */
  url: string;
  method: 'POST' | 'DELETE';
  /**
   * Who the request proves to be: the client, with a Basic header or `client_id`/`client_secret` in the form;
   * the user, with the token as a Bearer; or nobody beyond what the URL carries.
   */
  auth: 'client-basic' | 'client-body' | 'bearer' | 'none';
  /**
   * Where the token travels: RFC 7009 form fields (`token`, `token_type_hint`; the refresh token is revoked
   * too when there is one), a JSON `{access_token}` body, or nowhere but the URL or the Bearer header.
   */
  body: 'rfc7009' | 'json-access-token' | 'none';
}

/** Where a provider's token response (or fragment) keeps what RFC 6749 §5.1 puts at the top level. */
export interface TokenResponseShape {
  /** Dotted paths of the objects that may hold the token, tried in order; `''` is the top level. */
  tokenAt?: string[];
  /** The access token's field where it is not `access_token`. */
  accessTokenField?: string;
  /** Non-secret facts kept in the token's `data`: name → dotted path in the response. */
  data?: Record<string, string>;
  /** Seconds the access token lives when the answer omits `expires_in` (older GitLab versions). */
  defaultExpiresIn?: number;
  /** Non-secret facts read from the answer's ID token: name in `data` → claim (Microsoft's `tid`). */
  idTokenClaims?: Record<string, string>;
}

export interface StaticEndpoints {
  kind: 'static';
  authorize: string;
  /** Token endpoint (OAuth 2) or token-credentials endpoint (OAuth 1.0a); absent for fragment grants. */
  token?: string;
  /** OAuth 1.0a temporary-credentials endpoint (RFC 5849 §2.1). */
  requestToken?: string;
  userinfo?: string;
  /** Base URL of the provider's API, for identity and revocation. */
  api?: string;
  revoke?: RevokeEndpoint;
}

export interface ProviderRow {
  id: string;
  name: string;
  /** The provider's OAuth documentation this row follows. */
  docs: string;
  grant: GrantKind;
  /** Fixed endpoint templates, or `discovery` (the revocation endpoint, if any, is discovered too). */
  endpoints: StaticEndpoints | { kind: 'discovery' };
  /** `required`: the user names an org/enterprise host (validated against configuration). */
  host: 'none' | 'required';
  /** Sent as `scope`; omitted when empty. Discovery rows drop what the issuer does not list in `scopes_supported`. */
  scopes: string[];
  scopeSeparator: string;
  /** Slack v2: user-token scopes, sent as `user_scope` (joined with `scopeSeparator`). */
  userScopes?: string[];
  /** Send an RFC 7636 S256 challenge. On by default; a row opts out only where the provider rejects or lacks it. */
  pkce: boolean;
  /** How the client authenticates at the token endpoint (RFC 6749 §2.3.1): Basic header or body fields. */
  clientAuth: 'header' | 'body';
  tokenRequestFormat: 'form' | 'json';
  /** Extra authorize parameters; they never override client_id, redirect_uri, state or the PKCE challenge. */
  authorizeParams?: Record<string, string>;
  /** Extra parameters of every token request (code exchange and refresh). */
  tokenParams?: Record<string, string>;
  /** Authorize parameter names where the provider does not use RFC 6749's. */
  authorizeParamNames?: { clientId?: string; redirectUri?: string };
  /** The provider has no `state` parameter: the state rides in the redirect URI's query instead. */
  stateInRedirectUri?: boolean;
  /** The provider refreshes with `grant_type=refresh_token` (when it issued a refresh token). */
  refresh: boolean;
  /** The refresh request repeats the `redirect_uri` (Jira Data Center validates it there too, against RFC 6749 §6). */
  refreshSendsRedirectUri?: boolean;
  /** Errors of a refresh that mean the grant is gone and the user must connect again. Default `invalid_grant`. */
  reauthErrors?: string[];
  tokenResponse?: TokenResponseShape;
  /** Headers of every token request the provider needs (GitHub answers form-encoded without `Accept: application/json`). */
  tokenHeaders?: Record<string, string>;
  /** Settings a deployment may give this row besides credentials (`row-options.ts`); templates use `{tenant}`, `{authorizationServer}`. */
  options?: RowOption[];
  identity: IdentitySource;
}

// Microsoft identity platform v2 (Teams, and Azure DevOps through Entra ID) wants the scopes on refresh too.
const TEAMS_SCOPES = [
  'offline_access',
  'openid',
  'profile',
  'email',
  'User.Read',
  'Team.ReadBasic.All',
  'Channel.ReadBasic.All',
  'ChannelMessage.Send',
  'Chat.ReadWrite',
  'ChatMessage.Send',
];
// 499b84ac-… is Azure DevOps' resource id in Entra ID; user_impersonation acts as the user on its REST API.
// `openid` adds the ID token, whose `tid` names the tenant the account belongs to.
const AZURE_DEVOPS_SCOPES = ['499b84ac-1321-427f-aa17-267ca6975798/user_impersonation', 'openid', 'offline_access'];

const github = (host: boolean): Omit<ProviderRow, 'id' | 'name' | 'docs'> => {
  const web = host ? '{host}' : 'https://github.com';
  const api = host ? '{host}/api/v3' : 'https://api.github.com';
  return {
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: `${web}/login/oauth/authorize`,
      token: `${web}/login/oauth/access_token`,
      api,
      // "Delete an app token": Basic client credentials, the token in a JSON body; 204 on success.
      revoke: { url: `${api}/applications/{clientId}/token`, method: 'DELETE', auth: 'client-basic', body: 'json-access-token' },
    },
    host: host ? 'required' : 'none',
    scopes: ['repo', 'read:user', 'user:email'],
    scopeSeparator: ' ',
    // PKCE (S256) is accepted since July 2025: https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    // Without it the token endpoint answers application/x-www-form-urlencoded (GitHub's docs, "Response").
    // simple-oauth2 sends the same header by default; the row says it so that no library default decides.
    tokenHeaders: { Accept: 'application/json' },
    // Only GitHub Apps with expiring user tokens get a refresh token (rotated on every use); OAuth apps never do.
    // A bad refresh token is a 200 with `{"error": "bad_refresh_token"}`.
    refresh: true,
    reauthErrors: ['bad_refresh_token', 'invalid_grant'],
    identity: 'github',
  };
};

const gitlab = (host: boolean): Omit<ProviderRow, 'id' | 'name' | 'docs'> => {
  const origin = host ? '{host}' : 'https://gitlab.com';
  return {
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: `${origin}/oauth/authorize`,
      token: `${origin}/oauth/token`,
      api: `${origin}/api/v4`,
      revoke: { url: `${origin}/oauth/revoke`, method: 'POST', auth: 'client-body', body: 'rfc7009' },
    },
    host: host ? 'required' : 'none',
    scopes: ['api', 'read_user'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    // Access tokens live two hours; each refresh returns a new refresh token and retires the old one. Older
    // versions may omit `expires_in`: two hours are then assumed, as peers do (a token that in fact does not
    // expire is then refreshed early, which GitLab allows).
    refresh: true,
    tokenResponse: { defaultExpiresIn: 7200 },
    identity: 'gitlab',
  };
};

/**
 * How a provider found by OpenID Connect discovery is spoken to. `offline_access` asks for a refresh token
 * and needs `prompt=consent` (OpenID Connect Core §11); it is dropped for issuers that do not list it.
 */
const OPENID_DISCOVERY = {
  grant: 'code',
  endpoints: { kind: 'discovery' },
  host: 'none',
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  scopeSeparator: ' ',
  pkce: true,
  clientAuth: 'header',
  tokenRequestFormat: 'form',
  authorizeParams: { prompt: 'consent' },
  refresh: true,
  identity: 'oidc-userinfo',
} as const satisfies Omit<ProviderRow, 'id' | 'name' | 'docs'>;

export const PROVIDER_CATALOG: readonly ProviderRow[] = [
  {
    id: 'github',
    name: 'GitHub',
    docs: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    ...github(false),
  },
  {
    id: 'github_enterprise',
    name: 'GitHub Enterprise Server',
    docs: 'https://docs.github.com/en/enterprise-server@latest/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
    ...github(true),
  },
  {
    id: 'gitlab',
    name: 'GitLab',
    docs: 'https://docs.gitlab.com/api/oauth2/#authorization-code-with-proof-key-for-code-exchange-pkce',
    ...gitlab(false),
  },
  {
    id: 'gitlab_enterprise',
    name: 'GitLab Self-Managed',
    docs: 'https://docs.gitlab.com/api/oauth2/#authorization-code-with-proof-key-for-code-exchange-pkce',
    ...gitlab(true),
  },
  {
    id: 'bitbucket',
    name: 'Bitbucket',
    docs: 'https://developer.atlassian.com/cloud/bitbucket/oauth-2/',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://bitbucket.org/site/oauth2/authorize',
      token: 'https://bitbucket.org/site/oauth2/access_token',
      api: 'https://api.bitbucket.org/2.0',
    },
    host: 'none',
    // Bitbucket Cloud takes the scopes ticked on the OAuth consumer, not a `scope` parameter.
    scopes: [],
    scopeSeparator: ' ',
    // Not documented for Bitbucket Cloud's authorization code grant.
    pkce: false,
    // The documented exchange is `curl -u client_id:secret`.
    clientAuth: 'header',
    tokenRequestFormat: 'form',
    // Access tokens expire after two hours; `grant_type=refresh_token` with the same Basic client credentials.
    refresh: true,
    identity: 'bitbucket',
  },
  {
    // Atlassian Cloud OAuth 2.0 (3LO). `audience` and `prompt=consent` are required on the authorize URL;
    // `offline_access` yields a rotating refresh token (https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens).
    id: 'jira',
    name: 'Jira',
    docs: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://auth.atlassian.com/authorize',
      token: 'https://auth.atlassian.com/oauth/token',
      api: 'https://api.atlassian.com',
    },
    host: 'none',
    scopes: ['read:jira-user', 'read:jira-work', 'write:jira-work', 'read:me', 'offline_access'],
    scopeSeparator: ' ',
    // Atlassian's 3LO documentation describes no PKCE.
    pkce: false,
    // The documented token request is a JSON body carrying client_id and client_secret.
    clientAuth: 'body',
    tokenRequestFormat: 'json',
    authorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    refresh: true,
    identity: 'atlassian',
  },
  {
    id: 'asana',
    name: 'Asana',
    docs: 'https://developers.asana.com/docs/oauth',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://app.asana.com/-/oauth_authorize',
      token: 'https://app.asana.com/-/oauth_token',
      api: 'https://app.asana.com/api/1.0',
      revoke: { url: 'https://app.asana.com/-/oauth_revoke', method: 'POST', auth: 'client-body', body: 'rfc7009' },
    },
    host: 'none',
    scopes: ['default'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    refresh: true,
    // The token response carries the user as `data: {gid, name, email}`.
    tokenResponse: { data: { userId: 'data.gid' } },
    identity: 'asana',
  },
  {
    // Azure DevOps through Microsoft Entra ID (Azure DevOps' own OAuth takes no new apps since April 2025).
    id: 'azuredevops',
    name: 'Azure DevOps',
    docs: 'https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/entra-oauth',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
      token: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
      api: 'https://app.vssps.visualstudio.com',
    },
    host: 'none',
    scopes: AZURE_DEVOPS_SCOPES,
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    tokenParams: { scope: AZURE_DEVOPS_SCOPES.join(' ') },
    // Microsoft rotates refresh tokens: each refresh answers with a new one.
    refresh: true,
    // A single-tenant Entra app must name its tenant (AADSTS50194 otherwise). Azure DevOps' REST API does not
    // take personal Microsoft accounts through Entra, so `consumers` is of no use here.
    options: ['tenant'],
    tokenResponse: { idTokenClaims: { tenantId: 'tid' } },
    identity: 'azuredevops',
  },
  {
    id: 'linear',
    name: 'Linear',
    docs: 'https://linear.app/developers/oauth-2-0-authentication',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://linear.app/oauth/authorize',
      token: 'https://api.linear.app/oauth/token',
      api: 'https://api.linear.app',
      // Revocation takes the token itself as the Bearer.
      revoke: { url: 'https://api.linear.app/oauth/revoke', method: 'POST', auth: 'bearer', body: 'none' },
    },
    host: 'none',
    scopes: ['read', 'write'],
    // Linear's scope list is comma separated.
    scopeSeparator: ',',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    authorizeParams: { actor: 'user' },
    // Since October 2025 access tokens live 24 hours and refresh tokens rotate.
    refresh: true,
    identity: 'linear',
  },
  {
    id: 'msteams',
    name: 'Microsoft Teams',
    docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
      token: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
      api: 'https://graph.microsoft.com/v1.0',
    },
    host: 'none',
    scopes: TEAMS_SCOPES,
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    tokenParams: { scope: TEAMS_SCOPES.join(' ') },
    refresh: true,
    options: ['tenant'],
    tokenResponse: { idTokenClaims: { tenantId: 'tid' } },
    identity: 'msgraph',
  },
  {
    // Slack OAuth v2: bot scopes go in `scope`, user scopes in `user_scope`; the user token comes back nested
    // under `authed_user` and is what the broker keeps. Errors are HTTP 200 with `{"ok": false, "error": ...}`.
    id: 'slack',
    name: 'Slack',
    docs: 'https://docs.slack.dev/authentication/installing-with-oauth',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: 'https://slack.com/oauth/v2/authorize',
      token: 'https://slack.com/api/oauth.v2.access',
      api: 'https://slack.com/api',
      revoke: { url: 'https://slack.com/api/auth.revoke', method: 'POST', auth: 'bearer', body: 'none' },
    },
    host: 'none',
    scopes: [],
    userScopes: ['channels:read', 'channels:history', 'groups:read', 'groups:history', 'im:read', 'im:history', 'mpim:read', 'mpim:history', 'chat:write', 'users:read', 'users:read.email', 'team:read'],
    scopeSeparator: ',',
    // Turning PKCE on makes a Slack app a public client, irreversibly (https://docs.slack.dev/authentication/using-pkce).
    pkce: false,
    // "supply the Client ID and Client Secret using the HTTP Basic authentication scheme" (oauth.v2.access).
    clientAuth: 'header',
    tokenRequestFormat: 'form',
    // Refresh tokens exist only with token rotation on (https://docs.slack.dev/authentication/using-token-rotation).
    refresh: true,
    reauthErrors: ['invalid_grant', 'invalid_refresh_token'],
    tokenResponse: { tokenAt: ['authed_user', ''], data: { teamId: 'team.id', teamName: 'team.name', userId: 'authed_user.id' } },
    identity: 'slack',
  },
  {
    // Okta's org authorization server lives on each customer's own org host (https://<org>.okta.com).
    id: 'okta',
    name: 'Okta',
    docs: 'https://developer.okta.com/docs/guides/implement-grant-type/authcodepkce/main/',
    grant: 'code',
    endpoints: {
      kind: 'static',
      // `{authorizationServer}` is empty for the org server, `/<id>` for a custom one (`/oauth2/default/v1/...`).
      authorize: '{host}/oauth2{authorizationServer}/v1/authorize',
      token: '{host}/oauth2{authorizationServer}/v1/token',
      userinfo: '{host}/oauth2{authorizationServer}/v1/userinfo',
      // https://developer.okta.com/docs/guides/revoke-tokens/main/ (with the app's own client authentication)
      revoke: { url: '{host}/oauth2{authorizationServer}/v1/revoke', method: 'POST', auth: 'client-basic', body: 'rfc7009' },
    },
    host: 'required',
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    scopeSeparator: ' ',
    pkce: true,
    // Basic unless the app is set to client_secret_post (Okta configures it per app).
    clientAuth: 'header',
    tokenRequestFormat: 'form',
    refresh: true,
    options: ['authorizationServer', 'clientAuth'],
    identity: 'oidc-userinfo',
  },
  {
    // Trello's `1/authorize` hands the token back in the fragment (`#token=...`) of `return_url`; there is no
    // state parameter, so the state rides in the return URL. The API key is the client id.
    id: 'trello',
    name: 'Trello',
    docs: 'https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/',
    grant: 'fragment',
    endpoints: {
      kind: 'static',
      authorize: 'https://trello.com/1/authorize',
      api: 'https://api.trello.com/1',
      revoke: { url: 'https://api.trello.com/1/tokens/{token}?key={clientId}&token={token}', method: 'DELETE', auth: 'none', body: 'none' },
    },
    host: 'none',
    scopes: ['read', 'write'],
    scopeSeparator: ',',
    pkce: false,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    authorizeParams: { response_type: 'token', callback_method: 'fragment', expiration: 'never', name: 'handshake' },
    authorizeParamNames: { clientId: 'key', redirectUri: 'return_url' },
    stateInRedirectUri: true,
    refresh: false,
    tokenResponse: { accessTokenField: 'token' },
    identity: 'trello',
  },
  {
    // YouTrack (Cloud or Server) authorizes through its Hub service, whose built-in instance grants tokens
    // implicitly: `#access_token=...&expires_in=...&state=...` (https://www.jetbrains.com/help/youtrack/devportal/Implicit.html).
    id: 'youtrack',
    name: 'YouTrack',
    docs: 'https://www.jetbrains.com/help/youtrack/devportal/OAuth-authorization-in-youtrack.html',
    grant: 'fragment',
    endpoints: { kind: 'static', authorize: '{host}/hub/api/rest/oauth2/auth', api: '{host}/api' },
    host: 'required',
    scopes: ['YouTrack'],
    scopeSeparator: ' ',
    pkce: false,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    authorizeParams: { response_type: 'token', request_credentials: 'default' },
    refresh: false,
    identity: 'youtrack',
  },
  {
    // Jira Server / Data Center application links: OAuth 1.0a signed RSA-SHA1 with the consumer's private key
    // (the consumer key and PEM key come from configuration, per host).
    id: 'jiraserver',
    name: 'Jira Server',
    docs: 'https://developer.atlassian.com/server/jira/platform/oauth/',
    grant: 'oauth1',
    endpoints: {
      kind: 'static',
      requestToken: '{host}/plugins/servlet/oauth/request-token',
      authorize: '{host}/plugins/servlet/oauth/authorize',
      token: '{host}/plugins/servlet/oauth/access-token',
      api: '{host}/rest/api/2',
    },
    host: 'required',
    scopes: [],
    scopeSeparator: ' ',
    pkce: false,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    refresh: false,
    identity: 'jiraserver',
  },
  {
    // Jira Data Center 8.22 and later as an OAuth 2.0 provider (an "incoming link"), Atlassian's recommended
    // path over OAuth 1.0a: authorization code with PKCE, client credentials in the body, rotating refresh
    // tokens, scopes READ / WRITE / ADMIN / SYSTEM_ADMIN. No revocation endpoint is documented.
    id: 'jira_datacenter',
    name: 'Jira Data Center',
    docs: 'https://confluence.atlassian.com/adminjiraserver/jira-oauth-2-0-provider-api-1115659070.html',
    grant: 'code',
    endpoints: {
      kind: 'static',
      authorize: '{host}/rest/oauth2/latest/authorize',
      token: '{host}/rest/oauth2/latest/token',
      api: '{host}/rest/api/2',
    },
    host: 'required',
    scopes: ['WRITE'],
    scopeSeparator: ' ',
    pkce: true,
    clientAuth: 'body',
    tokenRequestFormat: 'form',
    refresh: true,
    // An invalid_grant naming nothing otherwise (as jira.js documents for Data Center).
    refreshSendsRedirectUri: true,
    identity: 'jiradatacenter',
  },
  {
    // Any OpenID Connect provider, configured by its issuer URL.
    id: 'oidc',
    name: 'OpenID Connect',
    docs: 'https://openid.net/specs/openid-connect-discovery-1_0.html',
    ...OPENID_DISCOVERY,
  },
  {
    // The built-in demo identity provider of the local stack (oidc-provider), any login name accepted.
    id: 'demo',
    name: 'Demo provider',
    docs: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md',
    ...OPENID_DISCOVERY,
  },
];

/**
 * Whether a provider can sign a person up (SPEC, "Fragment providers"): a token that arrived in a URL fragment
 * proves nothing about who obtained it, so those rows connect an account that exists and never create one.
 */
export function canSignUp(row: ProviderRow): boolean {
  return row.grant !== 'fragment';
}

export function findProviderRow(id: string, catalog: readonly ProviderRow[] = PROVIDER_CATALOG): ProviderRow | undefined {
  return catalog.find((row) => row.id === id);
}
