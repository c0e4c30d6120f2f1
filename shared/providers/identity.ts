import type { IdentitySource } from './catalog';
import type { ResolvedProvider } from './directory';
import { getJson, jsonOf, postJson, ProviderHttpError, type ProviderHttp } from './http';
import { sendSigned } from './oauth1';

/** Who signed in, as the provider says. `subject` is the provider's stable user id. */
export interface ProviderIdentity {
  subject: string;
  /**
   * OpenID Connect issuers found by discovery: (issuer, subject) is what names a person (OpenID Connect Core
   * §5.7: `sub` is unique only within its issuer), so users are keyed by it instead of by provider row.
   */
  issuer?: string;
  email?: string;
  username?: string;
  name?: string;
  /**
   * What later API calls need to know about this account, kept in the token's `data`: the Jira Cloud sites
   * the token reaches (`cloudIds`). Read beside the identity; a failure to read them leaves them out and
   * fails nothing. (The Microsoft tenant comes from the token answer's ID token: `tokenResponse.idTokenClaims`.)
   */
  facts?: Record<string, string | string[]>;
}

type Json = Record<string, unknown>;
type Reader = (provider: ResolvedProvider, accessToken: string, http: ProviderHttp, now: number) => Promise<ProviderIdentity>;

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
const id = (value: unknown) => (typeof value === 'number' ? String(value) : (text(value) ?? ''));
const bearer = (accessToken: string) => ({ authorization: `Bearer ${accessToken}` });
const api = (provider: ResolvedProvider) => {
  if (!provider.endpoints.api) throw new ProviderHttpError(`${provider.row.id} has no API base`);
  return provider.endpoints.api;
};

/**
 * One reader per identity source: OpenID userinfo, or the provider's user API where it has no OpenID
 * endpoint. Each cites the API it reads.
 */
const READERS: Record<IdentitySource, Reader> = {
  async 'oidc-userinfo'(provider, accessToken, http) {
    if (!provider.endpoints.userinfo) throw new ProviderHttpError(`${provider.row.id} has no userinfo endpoint`);
    const info = (await getJson(http, provider.endpoints.userinfo, bearer(accessToken))) as Json;
    return {
      subject: id(info.sub),
      ...(provider.issuer ? { issuer: provider.issuer } : {}),
      email: info.email_verified === false ? undefined : text(info.email),
      username: text(info.preferred_username) ?? text(info.nickname),
      name: text(info.name),
    };
  },

  // https://docs.github.com/en/rest/users/users#get-the-authenticated-user and .../emails: the profile email
  // may be hidden, so the primary verified address comes from /user/emails.
  async github(provider, accessToken, http) {
    const headers = { ...bearer(accessToken), accept: 'application/vnd.github+json' };
    const [user, emails] = (await Promise.all([
      getJson(http, `${api(provider)}/user`, headers),
      getJson(http, `${api(provider)}/user/emails`, headers).catch(() => []),
    ])) as [Json, Json[]];
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && e.verified === true) : undefined;
    return { subject: id(user.id), email: text(primary?.email), username: text(user.login), name: text(user.name) };
  },

  // https://docs.gitlab.com/api/users/#get-the-current-user
  async gitlab(provider, accessToken, http) {
    const user = (await getJson(http, `${api(provider)}/user`, bearer(accessToken))) as Json;
    return { subject: id(user.id), email: text(user.email), username: text(user.username), name: text(user.name) };
  },

  // https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get and #api-user-emails-get
  async bitbucket(provider, accessToken, http) {
    const [user, emails] = (await Promise.all([
      getJson(http, `${api(provider)}/user`, bearer(accessToken)),
      getJson(http, `${api(provider)}/user/emails`, bearer(accessToken)).catch(() => ({})),
    ])) as [Json, Json];
    const values = Array.isArray(emails.values) ? (emails.values as Json[]) : [];
    const primary = values.find((e) => e.is_primary === true && e.is_confirmed === true);
    return { subject: id(user.uuid), email: text(primary?.email), username: text(user.username) ?? text(user.nickname), name: text(user.display_name) };
  },

  // https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#how-do-i-retrieve-the-public-profile-of-the-authenticated-user-
  // and https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#3-1-get-the-cloudid-for-your-site:
  // every API call goes to api.atlassian.com/ex/jira/{cloudId}, so the sites the token reaches are kept.
  async atlassian(provider, accessToken, http) {
    const [me, resources] = await Promise.all([
      getJson(http, `${api(provider)}/me`, bearer(accessToken)) as Promise<Json>,
      (getJson(http, `${api(provider)}/oauth/token/accessible-resources`, bearer(accessToken)) as Promise<unknown>).catch(() => undefined),
    ]);
    const cloudIds = Array.isArray(resources) ? resources.map((site) => text((site as Json).id)).filter((cloudId): cloudId is string => Boolean(cloudId)) : [];
    return {
      subject: id(me.account_id),
      email: me.email_verified === false ? undefined : text(me.email),
      username: text(me.nickname),
      name: text(me.name),
      ...(cloudIds.length ? { facts: { cloudIds } } : {}),
    };
  },

  // https://developers.asana.com/reference/getuser (`me` names the token's user)
  async asana(provider, accessToken, http) {
    const { data = {} } = (await getJson(http, `${api(provider)}/users/me`, bearer(accessToken))) as { data?: Json };
    return { subject: id(data.gid), email: text(data.email), name: text(data.name) };
  },

  // https://learn.microsoft.com/en-us/rest/api/azure/devops/profile/profiles/get: a preview resource, so its
  // version must say so (Azure DevOps answers 400 to a plain `7.1`).
  async azuredevops(provider, accessToken, http) {
    const profile = (await getJson(http, `${api(provider)}/_apis/profile/profiles/me?api-version=7.1-preview.3`, bearer(accessToken))) as Json;
    return { subject: id(profile.id), email: text(profile.emailAddress), name: text(profile.displayName) };
  },

  // https://linear.app/developers/graphql (the `viewer` query is the token's user)
  async linear(provider, accessToken, http) {
    const answer = (await postJson(http, `${api(provider)}/graphql`, { query: 'query { viewer { id name displayName email } }' }, bearer(accessToken))) as { data?: { viewer?: Json } };
    const viewer = answer.data?.viewer ?? {};
    return { subject: id(viewer.id), email: text(viewer.email), username: text(viewer.displayName), name: text(viewer.name) };
  },

  // https://learn.microsoft.com/en-us/graph/api/user-get (GET /me)
  async msgraph(provider, accessToken, http) {
    const me = (await getJson(http, `${api(provider)}/me`, bearer(accessToken))) as Json;
    return { subject: id(me.id), email: text(me.mail), username: text(me.userPrincipalName), name: text(me.displayName) };
  },

  // https://docs.slack.dev/reference/methods/auth.test then .../users.info (needs users:read.email for the
  // address). Slack answers 200 with `ok: false` on errors. User ids are per workspace: the team is part of the subject.
  async slack(provider, accessToken, http) {
    const who = (await getJson(http, `${api(provider)}/auth.test`, bearer(accessToken))) as Json;
    if (who.ok !== true || !text(who.user_id) || !text(who.team_id)) throw new ProviderHttpError('slack auth.test refused the token', 200, text(who.error));
    const info = (await getJson(http, `${api(provider)}/users.info?user=${encodeURIComponent(who.user_id as string)}`, bearer(accessToken)).catch(() => ({}))) as Json;
    const user = (info.ok === true ? info.user : undefined) as Json | undefined;
    const profile = (user?.profile ?? {}) as Json;
    return { subject: `${who.team_id}:${who.user_id}`, email: text(profile.email), username: text(who.user), name: text(profile.real_name) ?? text(user?.real_name) };
  },

  // https://developer.atlassian.com/cloud/trello/rest/api-group-members/#api-members-id-get, authorised with the
  // documented `Authorization: OAuth oauth_consumer_key="<key>", oauth_token="<token>"` header (no token in the URL).
  async trello(provider, accessToken, http) {
    const headers = { authorization: `OAuth oauth_consumer_key="${provider.client.clientId}", oauth_token="${accessToken}"` };
    const member = (await getJson(http, `${api(provider)}/members/me?fields=id,username,fullName,email`, headers)) as Json;
    return { subject: id(member.id), email: text(member.email), username: text(member.username), name: text(member.fullName) };
  },

  // https://www.jetbrains.com/help/youtrack/devportal/api-entity-Me.html
  async youtrack(provider, accessToken, http) {
    const me = (await getJson(http, `${api(provider)}/users/me?fields=id,login,fullName,email`, bearer(accessToken))) as Json;
    return { subject: id(me.id), email: text(me.email), username: text(me.login), name: text(me.fullName) };
  },

  // https://docs.atlassian.com/software/jira/docs/api/REST/latest/#api/2/myself, signed like every OAuth 1.0a call.
  async jiraserver(provider, accessToken, http, now) {
    const answer = await sendSigned(provider, { method: 'GET', url: `${api(provider)}/myself`, token: accessToken, accept: 'application/json' }, http, now);
    if (answer.status !== 200) throw new ProviderHttpError(`${provider.row.id} /myself answered ${answer.status}`, answer.status);
    const me = jsonOf(`${provider.row.id} /myself`, answer) as Json;
    return { subject: id(me.key) || id(me.name), email: text(me.emailAddress), username: text(me.name), name: text(me.displayName) };
  },

  // The same /myself, with the OAuth 2.0 token as a Bearer (Jira Data Center's OAuth 2.0 provider).
  async jiradatacenter(provider, accessToken, http) {
    const me = (await getJson(http, `${api(provider)}/myself`, bearer(accessToken))) as Json;
    return { subject: id(me.key) || id(me.name), email: text(me.emailAddress), username: text(me.name), name: text(me.displayName) };
  },
};

/**
 * Reads the signed-in user's identity with the fresh access token, the way the row says.
 *
 * @example
 * const { subject, email, name } = await fetchIdentity(provider, token.accessToken, rt.http);
 */
export async function fetchIdentity(provider: ResolvedProvider, accessToken: string, http: ProviderHttp, now = Date.now()): Promise<ProviderIdentity> {
  const identity = await READERS[provider.row.identity](provider, accessToken, http, now);
  if (!identity.subject) throw new ProviderHttpError('the provider did not say who signed in');
  return identity;
}
