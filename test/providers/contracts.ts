import { generateKeyPairSync, verify } from 'node:crypto';
import type { ProviderIdentity } from '../../shared/providers/identity';
import type { ClientCredentials } from '../../shared/providers/settings';
import { signatureBaseString } from '../../shared/providers/oauth1';
import { formAnswer, json, type FakeAnswer, type FakeRoute, type RecordedRequest } from './support/fake-provider';

/**
 * What each provider's documentation says it does, as the fake provider plays it back: the authorize
 * parameters it expects, its token answer (shape and content type), its error answer, its user API, its
 * refresh and revocation. The runner (`contract.test.ts`) drives the real handlers against these.
 * Values in answers are the documentation's own examples where it gives them.
 */
export interface ProviderContract {
  id: string;
  /** The documentation page the answers below follow. */
  docs: string;
  /** Authorize URL path on the provider, and parameters: a value, a pattern, `true` (present) or `null` (absent). */
  authorize: { path: string; params: Record<string, string | RegExp | true | null> };
  /** Code and OAuth 1.0a grants: the token endpoint, how we must authenticate and encode, and its answer. */
  token?: {
    path: string;
    clientAuth: 'basic' | 'body' | 'oauth1';
    format: 'form' | 'json';
    answer: FakeAnswer;
    extra?: Record<string, string>;
    /** What the provider answers instead when a token request lacks what it requires (a header, its client authentication). */
    refuses?: (request: RecordedRequest) => FakeAnswer | undefined;
  };
  /** OAuth 1.0a: the temporary-credentials endpoint and its answer. */
  requestToken?: { path: string; answer: FakeAnswer };
  /** Fragment grants: what the provider puts in the fragment (the state is added where the provider echoes it). */
  fragment?: Record<string, string>;
  /** The documented refusal of the exchange, and the error code we must pass on. */
  refusal?: { answer: FakeAnswer; error: string };
  /**
   * What we store; `expiresIn` in seconds from the broker's clock. `data` holds what the token answer says and
   * the provider account read at the callback (`userId` = the identity's subject, `username`, `email`).
   */
  stored: { accessToken: string; refreshToken?: string; expiresIn?: number; data: Record<string, unknown> };
  identity: { routes: Array<[method: string, path: string, answer: FakeRoute]>; expected: ProviderIdentity };
  /** Refresh: the answer, whether it rotates the refresh token, and the documented refusal of a dead one. */
  refresh?: { answer: FakeAnswer; accessToken: string; rotatesTo?: string; expiresIn?: number; refused: FakeAnswer };
  /** Revocation at deauth: where, and what the request must carry. */
  revoke?: { method: string; path: string; answer?: FakeAnswer; check: (requests: RecordedRequest[], stored: { accessToken: string; refreshToken?: string }) => void };
  /** Extra client settings: the OAuth 1.0a private key, row options (`tenant`, `authorizationServer`, `clientAuth`). */
  credentials?: Partial<ClientCredentials>;
}

/** Okta holds each app to the client authentication it was set to: a Basic header for a client_secret_post app is refused. */
const oktaPostOnly = (request: RecordedRequest): FakeAnswer | undefined =>
  request.headers.authorization || !request.form?.client_secret
    ? json({ error: 'invalid_client', error_description: 'Client authentication failed. Either the client or the client credentials are invalid.' }, 401)
    : undefined;
const basic = (id: string) => `Basic ${Buffer.from(`${id}-client:${id}-secret`).toString('base64')}`;
const expectEqual = (actual: unknown, expected: unknown, what: string) => {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
};
/** RFC 7009 requests with client credentials in the body: refresh token first, then the access token. */
const rfc7009Body = (id: string) => (requests: RecordedRequest[], stored: { accessToken: string; refreshToken?: string }) => {
  expectEqual(
    requests.map((r) => r.form),
    [
      ...(stored.refreshToken ? [{ client_id: `${id}-client`, client_secret: `${id}-secret`, token: stored.refreshToken, token_type_hint: 'refresh_token' }] : []),
      { client_id: `${id}-client`, client_secret: `${id}-secret`, token: stored.accessToken, token_type_hint: 'access_token' },
    ],
    `${id} revocation bodies`,
  );
};
const bearerOnly = (requests: RecordedRequest[], stored: { accessToken: string }) => {
  expectEqual(requests.length, 1, 'one revocation request');
  expectEqual(requests[0]!.headers.authorization, `Bearer ${stored.accessToken}`, 'revocation Bearer');
};

// ---- GitHub ---------------------------------------------------------------------------------------------
// https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
// https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
// https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-token
const githubContract = (id: 'github' | 'github_enterprise', apiPath: string, expiring: boolean): ProviderContract => ({
  id,
  docs: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
  authorize: {
    path: '/login/oauth/authorize',
    params: { client_id: `${id}-client`, scope: 'repo read:user user:email', state: true, code_challenge: true, code_challenge_method: 'S256' },
  },
  token: {
    path: '/login/oauth/access_token',
    clientAuth: 'body',
    format: 'form',
    answer: expiring
      ? json({
          access_token: 'ghu_16C7e42F292c6912E7710c838347Ae178B4a',
          expires_in: 28800,
          refresh_token: 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498',
          refresh_token_expires_in: 15811200,
          scope: '',
          token_type: 'bearer',
        })
      : json({ access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo,read:user,user:email', token_type: 'bearer' }),
    // "By default, the response takes the following form" (form-encoded); JSON only with `Accept: application/json`.
    refuses: (request) =>
      request.headers.accept === 'application/json' ? undefined : formAnswer({ access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo,read:user,user:email', token_type: 'bearer' }),
  },
  // GitHub refuses a bad code with a 200 and an error body.
  refusal: { answer: json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code' }), error: 'bad_verification_code' },
  stored: {
    ...(expiring
      ? { accessToken: 'ghu_16C7e42F292c6912E7710c838347Ae178B4a', refreshToken: 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498', expiresIn: 28800 }
      : { accessToken: 'gho_16C7e42F292c6912E7710c838347Ae178B4a' }),
    // The primary verified address from /user/emails (/user shows none).
    data: { userId: '1', username: 'octocat', email: 'octocat@github.test' },
  },
  identity: {
    routes: [
      ['GET', `${apiPath}/user`, json({ login: 'octocat', id: 1, node_id: 'MDQ6VXNlcjE=', name: 'monalisa octocat', email: null, type: 'User' })],
      ['GET', `${apiPath}/user/emails`, json([{ email: 'old@github.test', verified: true, primary: false, visibility: null }, { email: 'octocat@github.test', verified: true, primary: true, visibility: 'public' }])],
    ],
    expected: { subject: '1', email: 'octocat@github.test', username: 'octocat', name: 'monalisa octocat' },
  },
  ...(expiring
    ? {
        refresh: {
          answer: json({ access_token: 'ghu_rotated', expires_in: 28800, refresh_token: 'ghr_rotated', refresh_token_expires_in: 15811200, scope: '', token_type: 'bearer' }),
          accessToken: 'ghu_rotated',
          rotatesTo: 'ghr_rotated',
          expiresIn: 28800,
          refused: json({ error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' }),
        },
      }
    : {}),
  revoke: {
    method: 'DELETE',
    path: `${apiPath}/applications/${id}-client/token`,
    answer: { status: 204 },
    check(requests, stored) {
      expectEqual(requests.length, 1, 'one revocation');
      expectEqual(requests[0]!.headers.authorization, basic(id), 'Basic client credentials');
      expectEqual(requests[0]!.json, { access_token: stored.accessToken }, 'JSON body');
    },
  },
});

// ---- GitLab ---------------------------------------------------------------------------------------------
// https://docs.gitlab.com/api/oauth2/ (token answer, refresh with rotation, /oauth/revoke) and
// https://docs.gitlab.com/api/users/#get-the-current-user
/** `omitsExpiry`: a self-managed GitLab older than 15.x answers without `expires_in`; its tokens still live 7200 s. */
const gitlabContract = (id: 'gitlab' | 'gitlab_enterprise', omitsExpiry = false): ProviderContract => ({
  id,
  docs: 'https://docs.gitlab.com/api/oauth2/',
  authorize: { path: '/oauth/authorize', params: { client_id: `${id}-client`, response_type: 'code', scope: 'api read_user', state: true, code_challenge_method: 'S256' } },
  token: {
    path: '/oauth/token',
    clientAuth: 'body',
    format: 'form',
    answer: json({
      access_token: 'de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54',
      token_type: 'Bearer',
      ...(omitsExpiry ? {} : { expires_in: 7200 }),
      refresh_token: '8257e65c97202ed1726cf9571600918f3bffb2544b26e00a61df9897668c33a1',
      scope: 'api read_user',
      created_at: 1607635748,
    }),
  },
  refusal: { answer: json({ error: 'invalid_grant', error_description: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.' }, 400), error: 'invalid_grant' },
  stored: {
    accessToken: 'de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54',
    refreshToken: '8257e65c97202ed1726cf9571600918f3bffb2544b26e00a61df9897668c33a1',
    expiresIn: 7200,
    data: { userId: '1', username: 'john_smith', email: 'john@example.com' },
  },
  identity: {
    routes: [['GET', '/api/v4/user', json({ id: 1, username: 'john_smith', email: 'john@example.com', name: 'John Smith', state: 'active' })]],
    expected: { subject: '1', email: 'john@example.com', username: 'john_smith', name: 'John Smith' },
  },
  refresh: {
    answer: json({ access_token: 'c97d1fe52119f38c7f67f0a14db68d60caa35ddc86fd12401718b649dcfa9c68', token_type: 'Bearer', expires_in: 7200, refresh_token: '803c1fd487fec35562c205dac93e9d8e08f9d3652a24079d704df3039df1158f', created_at: 1628711391 }),
    accessToken: 'c97d1fe52119f38c7f67f0a14db68d60caa35ddc86fd12401718b649dcfa9c68',
    rotatesTo: '803c1fd487fec35562c205dac93e9d8e08f9d3652a24079d704df3039df1158f',
    expiresIn: 7200,
    refused: json({ error: 'invalid_grant', error_description: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.' }, 400),
  },
  revoke: { method: 'POST', path: '/oauth/revoke', check: rfc7009Body(id) },
});

// ---- Microsoft identity platform v2 -----------------------------------------------------------------------
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow (token, refresh, errors)
/** An ID token as Microsoft's token endpoint returns it (the claims of its docs' example; `tid` is the tenant). */
const microsoftIdToken = (tenant: string) =>
  [
    { typ: 'JWT', alg: 'RS256', kid: '1LTMzakihiRla_8z2BEJVXeWMqo' },
    { ver: '2.0', iss: `https://login.microsoftonline.com/${tenant}/v2.0`, sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', aud: '6cb04018-a3f5-46a7-b995-940c78f5aef3', exp: 1536361411, iat: 1536274711, nbf: 1536274711, tid: tenant, oid: '00000000-0000-0000-66f3-3332eca7ea81' },
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat('c2lnbmF0dXJl')
    .join('.');
const microsoftToken = (scope: string, tenant: string) =>
  json({
    token_type: 'Bearer',
    scope,
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: 'eyJ0eXAiOiJKV1QiLCJub25jZSI6IkFRQUJBQUFBQUFCbmZpRy1NZ',
    refresh_token: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4',
    id_token: microsoftIdToken(tenant),
  });
const microsoftRefused = json(
  { error: 'invalid_grant', error_description: 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.', error_codes: [70008], timestamp: '2026-01-15 09:30:00Z', trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333', correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd' },
  400,
);
const microsoftRefresh = {
  answer: json({ token_type: 'Bearer', scope: 'User.Read', expires_in: 3599, ext_expires_in: 3599, access_token: 'eyJ0eXAiOiJKV1QiLCJyZWZyZXNoZWQiOnRydWV9', refresh_token: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4-rotated' }),
  accessToken: 'eyJ0eXAiOiJKV1QiLCJyZWZyZXNoZWQiOnRydWV9',
  rotatesTo: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4-rotated',
  expiresIn: 3599,
  refused: microsoftRefused,
};
/**
 * Profiles is a preview resource: Azure DevOps answers 400 (VssInvalidPreviewVersionException) to any
 * api-version that does not say `-preview` (https://learn.microsoft.com/en-us/azure/devops/integrate/concepts/rest-api-versioning).
 */
const devopsProfile = (answer: FakeAnswer) => (request: RecordedRequest): FakeAnswer =>
  request.query['api-version'] === '7.1-preview.3'
    ? answer
    : json({ $id: '1', innerException: null, message: `The requested version "${request.query['api-version']}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests.`, typeName: 'Microsoft.VisualStudio.Services.WebApi.VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi', typeKey: 'VssInvalidPreviewVersionException', errorCode: 0, eventId: 3000 }, 400);
/** A single-tenant Entra app: its endpoints live under its tenant, not `organizations` (AADSTS50194 otherwise). */
const TEAMS_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const TEAMS_SCOPE = 'offline_access openid profile email User.Read Team.ReadBasic.All Channel.ReadBasic.All ChannelMessage.Send Chat.ReadWrite ChatMessage.Send';
const DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/user_impersonation openid offline_access';
/** The tenant of the Azure DevOps contract's account (from its ID token; the app itself is multi-tenant). */
const DEVOPS_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

// ---- Trello ---------------------------------------------------------------------------------------------
// https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/#authorization-header

/** A token Trello issued to another application's key (what an attacker could put in the fragment). */
export const TRELLO_FOREIGN_TOKEN = 'c0ffee4b1d02b8dd40c2f3e5df18556c831d4d1fadbe2c45f8310e6c93b5aa11';

/** The tokens the fake Trello has issued: the application key each was issued to, and whose token it is. */
const TRELLO_TOKENS: Record<string, { key: string; member: Record<string, string> }> = {
  '9eb76d9a9d02b8dd40c2f3e5df18556c831d4d1fadbe2c45f8310e6c93b5c548': {
    key: 'trello-client',
    member: { id: '5abbe4b7ddc1b351ef961414', username: 'trellohelp', fullName: 'Trello Help', email: 'help@trello.test' },
  },
  [TRELLO_FOREIGN_TOKEN]: { key: 'another-apps-key', member: { id: '5f0e8a1b2c3d4e5f60718293', username: 'mallory', fullName: 'Mallory', email: 'mallory@trello.test' } },
};

/**
 * `GET /1/members/me` as Trello answers it: with the documented `Authorization: OAuth oauth_consumer_key="<key>",
 * oauth_token="<token>"` header, and only for a token issued to that key. Any other key (or a token it never
 * issued) gets 401 `invalid token`, in plain text, like the real API.
 */
function trelloMember(request: RecordedRequest): FakeAnswer {
  const header = /^OAuth oauth_consumer_key="([^"]+)", oauth_token="([^"]+)"$/.exec(request.headers.authorization ?? '');
  const issued = header ? TRELLO_TOKENS[header[2]!] : undefined;
  if (!header || !issued || issued.key !== header[1]) return { status: 401, body: 'invalid token', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  return json(issued.member);
}

// ---- Jira Server (OAuth 1.0a) ----------------------------------------------------------------------------
export const jiraKeys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

/** Checks an OAuth 1.0a RSA-SHA1 request as Jira does, with the consumer's registered public key. */
export function oauth1Verified(request: RecordedRequest, origin: string): Record<string, string> | undefined {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('OAuth ')) return undefined;
  const params: Record<string, string> = {};
  for (const [, name, value] of header.slice(6).matchAll(/([\w]+)="([^"]*)"/g)) params[decodeURIComponent(name!)] = decodeURIComponent(value!);
  const { oauth_signature: signature, ...signed } = params;
  if (!signature || signed.oauth_signature_method !== 'RSA-SHA1' || signed.oauth_consumer_key !== 'jiraserver-client') return undefined;
  const base = signatureBaseString(request.method, `${origin}${request.url}`, Object.entries(signed));
  return verify('RSA-SHA1', Buffer.from(base), jiraKeys.publicKey, Buffer.from(signature, 'base64')) ? params : undefined;
}

export const CONTRACTS: ProviderContract[] = [
  githubContract('github', '', true),
  githubContract('github_enterprise', '/api/v3', false),
  gitlabContract('gitlab'),
  gitlabContract('gitlab_enterprise', true),

  // https://developer.atlassian.com/cloud/bitbucket/oauth-2/ and the 2.0 users API
  {
    id: 'bitbucket',
    docs: 'https://developer.atlassian.com/cloud/bitbucket/oauth-2/',
    authorize: { path: '/site/oauth2/authorize', params: { client_id: 'bitbucket-client', response_type: 'code', state: true, scope: null, code_challenge: null } },
    token: {
      path: '/site/oauth2/access_token',
      clientAuth: 'basic',
      format: 'form',
      answer: json({ access_token: 'ATCTT3xFfGN0fA9bAvKq', scopes: 'account email repository', expires_in: 7200, refresh_token: 'Vd5xDBLXBqzrV2nHDZ', token_type: 'bearer', state: 'authorization_code' }),
    },
    refusal: { answer: json({ error_description: 'The specified code is not valid.', error: 'invalid_grant' }, 400), error: 'invalid_grant' },
    stored: { accessToken: 'ATCTT3xFfGN0fA9bAvKq', refreshToken: 'Vd5xDBLXBqzrV2nHDZ', expiresIn: 7200, data: { userId: '{d301aafa-d676-4ee0-88be-962be7417567}', username: 'ada', email: 'ada@example.com' } },
    identity: {
      routes: [
        ['GET', '/2.0/user', json({ type: 'user', uuid: '{d301aafa-d676-4ee0-88be-962be7417567}', account_id: '557058:c0b7de6e', display_name: 'Ada Lovelace', nickname: 'ada' })],
        ['GET', '/2.0/user/emails', json({ values: [{ type: 'email', email: 'ada@example.com', is_primary: true, is_confirmed: true }], pagelen: 10, size: 1, page: 1 })],
      ],
      expected: { subject: '{d301aafa-d676-4ee0-88be-962be7417567}', email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace' },
    },
    // Bitbucket answers a refresh with the same refresh token.
    refresh: {
      answer: json({ access_token: 'ATCTT3xRefreshed', scopes: 'account email repository', expires_in: 7200, refresh_token: 'Vd5xDBLXBqzrV2nHDZ', token_type: 'bearer', state: 'refresh_token' }),
      accessToken: 'ATCTT3xRefreshed',
      expiresIn: 7200,
      refused: json({ error_description: 'Invalid refresh_token', error: 'invalid_grant' }, 400),
    },
  },

  // https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ and .../cloud/oauth/getting-started/refresh-tokens
  {
    id: 'jira',
    docs: 'https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/',
    authorize: {
      path: '/authorize',
      params: { audience: 'api.atlassian.com', client_id: 'jira-client', scope: 'read:jira-user read:jira-work write:jira-work read:me offline_access', state: true, response_type: 'code', prompt: 'consent', code_challenge: null },
    },
    token: {
      path: '/oauth/token',
      clientAuth: 'body',
      format: 'json',
      answer: json({ access_token: 'eyJraWQiOiJhdXRoLmF0bGFzc2lhbi5jb20', expires_in: 3600, scope: 'read:jira-user read:jira-work write:jira-work read:me offline_access', token_type: 'Bearer', refresh_token: 'eyJhbGciOiJIUzI1NiJ9.refresh' }),
    },
    refusal: { answer: json({ error: 'invalid_grant', error_description: 'Invalid authorization code' }, 403), error: 'invalid_grant' },
    // The sites the token reaches (accessible-resources): every Jira API call names one.
    stored: {
      accessToken: 'eyJraWQiOiJhdXRoLmF0bGFzc2lhbi5jb20',
      refreshToken: 'eyJhbGciOiJIUzI1NiJ9.refresh',
      expiresIn: 3600,
      data: { userId: '112233aa-bb11-cc22-33dd-445566abcabc', username: 'mkrystof', email: 'mia@example.com', cloudIds: ['1324a887-45db-1bf4-1e99-ef0ff456d421'] },
    },
    identity: {
      routes: [
        [
          'GET',
          '/me',
          json({ account_type: 'atlassian', account_id: '112233aa-bb11-cc22-33dd-445566abcabc', email: 'mia@example.com', name: 'Mia Krystof', picture: 'https://avatar-management.example/initials/MK-5.png', account_status: 'active', nickname: 'mkrystof', zoneinfo: 'Australia/Sydney', locale: 'en-US' }),
        ],
        [
          'GET',
          '/oauth/token/accessible-resources',
          json([{ id: '1324a887-45db-1bf4-1e99-ef0ff456d421', name: 'Site name', url: 'https://your-domain.atlassian.net', scopes: ['write:jira-work', 'read:jira-user', 'manage:jira-configuration'], avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png' }]),
        ],
      ],
      expected: { subject: '112233aa-bb11-cc22-33dd-445566abcabc', email: 'mia@example.com', username: 'mkrystof', name: 'Mia Krystof' },
    },
    // Rotating refresh tokens: every refresh answers a new one.
    refresh: {
      answer: json({ access_token: 'eyJraWQiOiJyb3RhdGVk', expires_in: 3600, scope: 'read:jira-work offline_access', token_type: 'Bearer', refresh_token: 'eyJhbGciOiJIUzI1NiJ9.rotated' }),
      accessToken: 'eyJraWQiOiJyb3RhdGVk',
      rotatesTo: 'eyJhbGciOiJIUzI1NiJ9.rotated',
      expiresIn: 3600,
      refused: json({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' }, 403),
    },
  },

  // https://developers.asana.com/docs/oauth (token answer with `data`, refresh without rotation, /-/oauth_revoke)
  {
    id: 'asana',
    docs: 'https://developers.asana.com/docs/oauth',
    authorize: { path: '/-/oauth_authorize', params: { client_id: 'asana-client', response_type: 'code', state: true, scope: 'default', code_challenge_method: 'S256' } },
    token: {
      path: '/-/oauth_token',
      clientAuth: 'body',
      format: 'form',
      answer: json({ access_token: 'f6ds7fdsa69ags7ag9sd5a', expires_in: 3600, token_type: 'bearer', data: { id: 4673218951, gid: '4673218951', name: 'Greg Sanchez', email: 'gsanchez@example.com' }, refresh_token: 'hjkl325hjkl4325hj4kl32fjds' }),
    },
    refusal: { answer: json({ error: 'invalid_grant', error_description: 'The `code` is invalid or expired.' }, 400), error: 'invalid_grant' },
    // Asana's user has no login name: no `username`.
    stored: { accessToken: 'f6ds7fdsa69ags7ag9sd5a', refreshToken: 'hjkl325hjkl4325hj4kl32fjds', expiresIn: 3600, data: { userId: '4673218951', email: 'gsanchez@example.com' } },
    identity: {
      routes: [['GET', '/api/1.0/users/me', json({ data: { gid: '4673218951', resource_type: 'user', email: 'gsanchez@example.com', name: 'Greg Sanchez' } })]],
      expected: { subject: '4673218951', email: 'gsanchez@example.com', name: 'Greg Sanchez' },
    },
    refresh: {
      answer: json({ access_token: 'f6ds7fdsa69ags7ag9sd5b', expires_in: 3600, token_type: 'bearer', data: { id: 4673218951, gid: '4673218951', name: 'Greg Sanchez', email: 'gsanchez@example.com' } }),
      accessToken: 'f6ds7fdsa69ags7ag9sd5b',
      expiresIn: 3600,
      refused: json({ error: 'invalid_grant', error_description: 'The refresh token is invalid.' }, 400),
    },
    revoke: { method: 'POST', path: '/-/oauth_revoke', check: rfc7009Body('asana') },
  },

  // https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/entra-oauth and
  // https://learn.microsoft.com/en-us/rest/api/azure/devops/profile/profiles/get
  {
    id: 'azuredevops',
    docs: 'https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/entra-oauth',
    authorize: { path: '/organizations/oauth2/v2.0/authorize', params: { client_id: 'azuredevops-client', response_type: 'code', scope: DEVOPS_SCOPE, state: true, code_challenge_method: 'S256' } },
    token: { path: '/organizations/oauth2/v2.0/token', clientAuth: 'body', format: 'form', answer: microsoftToken(DEVOPS_SCOPE, DEVOPS_TENANT), extra: { scope: DEVOPS_SCOPE } },
    refusal: { answer: microsoftRefused, error: 'invalid_grant' },
    stored: {
      accessToken: 'eyJ0eXAiOiJKV1QiLCJub25jZSI6IkFRQUJBQUFBQUFCbmZpRy1NZ',
      refreshToken: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4',
      expiresIn: 3599,
      // The profile has a display name but no login name: no `username`.
      data: { userId: '6a13e4b6-9c68-4b8c-a9ed-0b2b1e0a1f3b', email: 'jamal@fabrikam.test', tenantId: DEVOPS_TENANT },
    },
    identity: {
      routes: [['GET', '/_apis/profile/profiles/me', devopsProfile(json({ displayName: 'Jamal Hartnett', publicAlias: '6a13e4b6-9c68-4b8c-a9ed-0b2b1e0a1f3b', emailAddress: 'jamal@fabrikam.test', coreRevision: 1, timeStamp: '2026-01-15T09:30:00+00:00', id: '6a13e4b6-9c68-4b8c-a9ed-0b2b1e0a1f3b', revision: 1 }))]],
      expected: { subject: '6a13e4b6-9c68-4b8c-a9ed-0b2b1e0a1f3b', email: 'jamal@fabrikam.test', name: 'Jamal Hartnett' },
    },
    refresh: microsoftRefresh,
  },

  // https://linear.app/developers/oauth-2-0-authentication and https://linear.app/developers/graphql
  {
    id: 'linear',
    docs: 'https://linear.app/developers/oauth-2-0-authentication',
    authorize: { path: '/oauth/authorize', params: { client_id: 'linear-client', response_type: 'code', scope: 'read,write', state: true, actor: 'user', code_challenge_method: 'S256' } },
    token: {
      path: '/oauth/token',
      clientAuth: 'body',
      format: 'form',
      answer: json({ access_token: 'lin_oauth_00a21d8b0c4e2375114e49c067dfb81eb0d2076f48354714cd5df984d87b67cc', token_type: 'Bearer', expires_in: 86399, scope: 'read write', refresh_token: 'lin_refresh_8f1e2d' }),
    },
    refusal: { answer: json({ error: 'invalid_grant', error_description: 'Invalid authorization code' }, 400), error: 'invalid_grant' },
    stored: {
      accessToken: 'lin_oauth_00a21d8b0c4e2375114e49c067dfb81eb0d2076f48354714cd5df984d87b67cc',
      refreshToken: 'lin_refresh_8f1e2d',
      expiresIn: 86399,
      data: { userId: '2f0b7b5e-4a5f-4a54-9d5c-0e5c2b0c1d2e', username: 'ada', email: 'ada@linear.test' },
    },
    identity: {
      routes: [['POST', '/graphql', json({ data: { viewer: { id: '2f0b7b5e-4a5f-4a54-9d5c-0e5c2b0c1d2e', name: 'Ada Lovelace', displayName: 'ada', email: 'ada@linear.test' } } })]],
      expected: { subject: '2f0b7b5e-4a5f-4a54-9d5c-0e5c2b0c1d2e', email: 'ada@linear.test', username: 'ada', name: 'Ada Lovelace' },
    },
    refresh: {
      answer: json({ access_token: 'lin_oauth_rotated', token_type: 'Bearer', expires_in: 86399, scope: 'read write', refresh_token: 'lin_refresh_rotated' }),
      accessToken: 'lin_oauth_rotated',
      rotatesTo: 'lin_refresh_rotated',
      expiresIn: 86399,
      refused: json({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }, 400),
    },
    revoke: { method: 'POST', path: '/oauth/revoke', check: bearerOnly },
  },

  // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow and https://learn.microsoft.com/en-us/graph/api/user-get
  {
    id: 'msteams',
    docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    credentials: { tenant: TEAMS_TENANT },
    authorize: { path: `/${TEAMS_TENANT}/oauth2/v2.0/authorize`, params: { client_id: 'msteams-client', response_type: 'code', scope: TEAMS_SCOPE, state: true, code_challenge_method: 'S256' } },
    token: { path: `/${TEAMS_TENANT}/oauth2/v2.0/token`, clientAuth: 'body', format: 'form', answer: microsoftToken(TEAMS_SCOPE, TEAMS_TENANT), extra: { scope: TEAMS_SCOPE } },
    refusal: { answer: microsoftRefused, error: 'invalid_grant' },
    stored: {
      accessToken: 'eyJ0eXAiOiJKV1QiLCJub25jZSI6IkFRQUJBQUFBQUFCbmZpRy1NZ',
      refreshToken: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4',
      expiresIn: 3599,
      data: { userId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', username: 'AdeleV@contoso.test', email: 'AdeleV@contoso.test', tenantId: TEAMS_TENANT },
    },
    identity: {
      routes: [
        [
          'GET',
          '/v1.0/me',
          json({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity', businessPhones: ['+1 425 555 0109'], displayName: 'Adele Vance', givenName: 'Adele', jobTitle: 'Retail Manager', mail: 'AdeleV@contoso.test', mobilePhone: null, officeLocation: '18/2111', preferredLanguage: 'en-US', surname: 'Vance', userPrincipalName: 'AdeleV@contoso.test', id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd' }),
        ],
      ],
      expected: { subject: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', email: 'AdeleV@contoso.test', username: 'AdeleV@contoso.test', name: 'Adele Vance' },
    },
    refresh: microsoftRefresh,
  },

  // https://docs.slack.dev/reference/methods/oauth.v2.access (nested authed_user), .../authentication/using-token-rotation,
  // .../reference/methods/auth.test, users.info and auth.revoke. Slack's errors are 200 with {"ok": false}.
  {
    id: 'slack',
    docs: 'https://docs.slack.dev/authentication/installing-with-oauth',
    authorize: {
      path: '/oauth/v2/authorize',
      params: { client_id: 'slack-client', scope: null, user_scope: 'channels:read,channels:history,groups:read,groups:history,im:read,im:history,mpim:read,mpim:history,chat:write,users:read,users:read.email,team:read', state: true, code_challenge: null },
    },
    token: {
      path: '/api/oauth.v2.access',
      clientAuth: 'basic',
      format: 'form',
      answer: json({
        ok: true,
        access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
        token_type: 'bot',
        scope: 'commands,incoming-webhook',
        bot_user_id: 'U0KRQLJ9H',
        app_id: 'A0KRD7HC3',
        team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' },
        enterprise: { name: 'slack-sports', id: 'E12345678' },
        authed_user: { id: 'U1234', scope: 'chat:write', access_token: 'xoxe.xoxp-1-Mi0yLTE3NjUzNjcyNDgx', token_type: 'user', refresh_token: 'xoxe-1-My0xLTE3NjUzNjcyNDgx', expires_in: 43200 },
      }),
    },
    refusal: { answer: json({ ok: false, error: 'invalid_code' }), error: 'invalid_code' },
    stored: {
      accessToken: 'xoxe.xoxp-1-Mi0yLTE3NjUzNjcyNDgx',
      refreshToken: 'xoxe-1-My0xLTE3NjUzNjcyNDgx',
      expiresIn: 43200,
      // The team from the token answer; the account from auth.test and users.info, whose subject (team and user,
      // as user ids are per workspace) replaces the token answer's `authed_user.id`. The documentation's
      // examples come from different workspaces, hence two teams.
      data: { teamId: 'T9TK3CUKW', teamName: 'Slack Softball Team', userId: 'T12345678:W12345678', username: 'grace', email: 'grace@example.com' },
    },
    identity: {
      routes: [
        ['GET', '/api/auth.test', json({ ok: true, url: 'https://subarachnoid.slack.com/', team: 'Subarachnoid Workspace', user: 'grace', team_id: 'T12345678', user_id: 'W12345678' })],
        ['GET', '/api/users.info', json({ ok: true, user: { id: 'W12345678', team_id: 'T12345678', name: 'grace', real_name: 'Grace Hopper', profile: { real_name: 'Grace Hopper', email: 'grace@example.com' } } })],
      ],
      expected: { subject: 'T12345678:W12345678', email: 'grace@example.com', username: 'grace', name: 'Grace Hopper' },
    },
    refresh: {
      answer: json({ ok: true, access_token: 'xoxe.xoxp-1-rotated', expires_in: 43200, refresh_token: 'xoxe-1-rotated', token_type: 'user', scope: 'chat:write', team: { id: 'T9TK3CUKW', name: 'Slack Softball Team' } }),
      accessToken: 'xoxe.xoxp-1-rotated',
      rotatesTo: 'xoxe-1-rotated',
      expiresIn: 43200,
      refused: json({ ok: false, error: 'invalid_refresh_token' }),
    },
    revoke: { method: 'POST', path: '/api/auth.revoke', answer: json({ ok: true, revoked: true }), check: bearerOnly },
  },

  // https://developer.okta.com/docs/reference/api/oidc/ (token, userinfo, revoke) on the customer's org host, here
  // through a custom authorization server (`default`) and an app set to client_secret_post, which Okta holds it to.
  {
    id: 'okta',
    docs: 'https://developer.okta.com/docs/guides/implement-grant-type/authcodepkce/main/',
    credentials: { authorizationServer: 'default', clientAuth: 'post' },
    authorize: { path: '/oauth2/default/v1/authorize', params: { client_id: 'okta-client', response_type: 'code', scope: 'openid email profile offline_access', state: true, code_challenge_method: 'S256' } },
    token: {
      path: '/oauth2/default/v1/token',
      clientAuth: 'body',
      format: 'form',
      answer: json({ token_type: 'Bearer', expires_in: 3600, access_token: 'eyJraWQiOiJPa3RhIn0.access', scope: 'openid email profile offline_access', refresh_token: 'a9VpZDRCeFh3Nkk2VdY', id_token: 'eyJraWQiOiJPa3RhIn0.id' }),
      refuses: oktaPostOnly,
    },
    refusal: { answer: json({ error: 'invalid_grant', error_description: 'The authorization code is invalid or has expired.' }, 400), error: 'invalid_grant' },
    stored: { accessToken: 'eyJraWQiOiJPa3RhIn0.access', refreshToken: 'a9VpZDRCeFh3Nkk2VdY', expiresIn: 3600, data: { userId: '00uid4BxXw6I6TV4m0g3', username: 'john.doe@example.com', email: 'john.doe@example.com' } },
    identity: {
      routes: [['GET', '/oauth2/default/v1/userinfo', json({ sub: '00uid4BxXw6I6TV4m0g3', name: 'John Doe', nickname: 'Jimmy', preferred_username: 'john.doe@example.com', email: 'john.doe@example.com', email_verified: true })]],
      expected: { subject: '00uid4BxXw6I6TV4m0g3', email: 'john.doe@example.com', username: 'john.doe@example.com', name: 'John Doe' },
    },
    refresh: {
      answer: json({ token_type: 'Bearer', expires_in: 3600, access_token: 'eyJraWQiOiJPa3RhIn0.refreshed', scope: 'openid email profile offline_access', refresh_token: 'a9VpZDRCeFh3Nkk2VdY' }),
      accessToken: 'eyJraWQiOiJPa3RhIn0.refreshed',
      expiresIn: 3600,
      refused: json({ error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' }, 400),
    },
    revoke: { method: 'POST', path: '/oauth2/default/v1/revoke', check: rfc7009Body('okta') },
  },

  // https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/ (1/authorize, token in the fragment)
  {
    id: 'trello',
    docs: 'https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/',
    authorize: {
      path: '/1/authorize',
      params: { key: 'trello-client', return_url: /^http:\/\/localhost:3998\/no-auth\/provider-token\/trello\?state=contract%21/, response_type: 'token', callback_method: 'fragment', scope: 'read,write', expiration: 'never', name: 'handshake', client_id: null, redirect_uri: null, state: null },
    },
    fragment: { token: '9eb76d9a9d02b8dd40c2f3e5df18556c831d4d1fadbe2c45f8310e6c93b5c548' },
    stored: { accessToken: '9eb76d9a9d02b8dd40c2f3e5df18556c831d4d1fadbe2c45f8310e6c93b5c548', data: { userId: '5abbe4b7ddc1b351ef961414', username: 'trellohelp', email: 'help@trello.test' } },
    identity: {
      routes: [['GET', '/1/members/me', trelloMember]],
      expected: { subject: '5abbe4b7ddc1b351ef961414', email: 'help@trello.test', username: 'trellohelp', name: 'Trello Help' },
    },
    revoke: {
      method: 'DELETE',
      path: '/1/tokens/9eb76d9a9d02b8dd40c2f3e5df18556c831d4d1fadbe2c45f8310e6c93b5c548',
      answer: json({ _value: null }),
      check(requests, stored) {
        expectEqual(requests.map((r) => r.query), [{ key: 'trello-client', token: stored.accessToken }], 'key and token in the query');
      },
    },
  },

  // https://www.jetbrains.com/help/youtrack/devportal/Implicit.html (Hub implicit grant) and .../api-entity-Me.html
  {
    id: 'youtrack',
    docs: 'https://www.jetbrains.com/help/youtrack/devportal/OAuth-authorization-in-youtrack.html',
    authorize: { path: '/hub/api/rest/oauth2/auth', params: { client_id: 'youtrack-client', response_type: 'token', scope: 'YouTrack', state: true, request_credentials: 'default', code_challenge: null } },
    fragment: { access_token: '1443459217131.0-0-0-0-0.YouTrack.xyz', token_type: 'Bearer', expires_in: '3600', scope: 'YouTrack' },
    stored: { accessToken: '1443459217131.0-0-0-0-0.YouTrack.xyz', expiresIn: 3600, data: { userId: '1-2', username: 'john.doe', email: 'john.doe@example.com' } },
    identity: {
      routes: [['GET', '/api/users/me', json({ login: 'john.doe', email: 'john.doe@example.com', fullName: 'John Doe', id: '1-2', $type: 'Me' })]],
      expected: { subject: '1-2', email: 'john.doe@example.com', username: 'john.doe', name: 'John Doe' },
    },
  },

  // https://developer.atlassian.com/server/jira/platform/oauth/ (OAuth 1.0a, RSA-SHA1, form-encoded answers)
  {
    id: 'jiraserver',
    docs: 'https://developer.atlassian.com/server/jira/platform/oauth/',
    credentials: { privateKey: jiraKeys.privateKey },
    requestToken: { path: '/plugins/servlet/oauth/request-token', answer: formAnswer({ oauth_token: 'request-token-from-jira', oauth_token_secret: 'request-secret', oauth_callback_confirmed: 'true' }) },
    authorize: { path: '/plugins/servlet/oauth/authorize', params: { oauth_token: 'request-token-from-jira', state: null, client_id: null } },
    token: {
      path: '/plugins/servlet/oauth/access-token',
      clientAuth: 'oauth1',
      format: 'form',
      answer: formAnswer({ oauth_token: 'JIRA-ACCESS-TOKEN', oauth_token_secret: 'jira-token-secret', oauth_expires_in: '157680000', oauth_session_handle: 'session-handle', oauth_authorization_expires_in: '160272000' }),
    },
    refusal: { answer: formAnswer({ oauth_problem: 'token_rejected' }, 401), error: 'token_rejected' },
    stored: { accessToken: 'JIRA-ACCESS-TOKEN', expiresIn: 157680000, data: { userId: 'JIRAUSER10100', username: 'fred', email: 'fred@example.com' } },
    identity: {
      routes: [['GET', '/rest/api/2/myself', json({ self: 'https://jira.example.test/rest/api/2/user?username=fred', key: 'JIRAUSER10100', name: 'fred', emailAddress: 'fred@example.com', displayName: 'Fred F. User', active: true, timeZone: 'Australia/Sydney' })]],
      expected: { subject: 'JIRAUSER10100', email: 'fred@example.com', username: 'fred', name: 'Fred F. User' },
    },
  },

  // https://confluence.atlassian.com/adminjiraserver/jira-oauth-2-0-provider-api-1115659070.html: the incoming
  // link's authorize and token endpoints (PKCE S256, client credentials in the request), and /rest/api/2/myself.
  {
    id: 'jira_datacenter',
    docs: 'https://confluence.atlassian.com/adminjiraserver/jira-oauth-2-0-provider-api-1115659070.html',
    authorize: { path: '/rest/oauth2/latest/authorize', params: { client_id: 'jira_datacenter-client', response_type: 'code', scope: 'WRITE', state: true, code_challenge: true, code_challenge_method: 'S256' } },
    token: {
      path: '/rest/oauth2/latest/token',
      clientAuth: 'body',
      format: 'form',
      answer: json({ access_token: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-access', refresh_token: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-refresh', expires_in: 7200, token_type: 'bearer' }),
      // The provider requires the PKCE verifier with the code, and the redirect URI on every grant (refresh too).
      refuses: (request) =>
        (request.form?.grant_type === 'authorization_code' && !request.form.code_verifier) || !request.form?.redirect_uri?.endsWith('/no-auth/provider-token/jira_datacenter')
          ? json({ error: 'invalid_grant' }, 400)
          : undefined,
    },
    refusal: { answer: json({ error: 'invalid_grant', error_description: 'Authorization code is invalid or expired' }, 400), error: 'invalid_grant' },
    stored: { accessToken: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-access', refreshToken: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-refresh', expiresIn: 7200, data: { userId: 'JIRAUSER10200', username: 'grace', email: 'grace@example.com' } },
    identity: {
      routes: [
        [
          'GET',
          '/rest/api/2/myself',
          (request) =>
            request.headers.authorization === 'Bearer eyJhbGciOiJIUzI1NiJ9.jira-dc-access'
              ? json({ self: 'https://jira.example.test/rest/api/2/user?username=grace', key: 'JIRAUSER10200', name: 'grace', emailAddress: 'grace@example.com', displayName: 'Grace Hopper', active: true })
              : json({ errorMessages: ['You are not authenticated.'] }, 401),
        ],
      ],
      expected: { subject: 'JIRAUSER10200', email: 'grace@example.com', username: 'grace', name: 'Grace Hopper' },
    },
    refresh: {
      answer: json({ access_token: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-refreshed', refresh_token: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-rotated', expires_in: 7200, token_type: 'bearer' }),
      accessToken: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-refreshed',
      rotatesTo: 'eyJhbGciOiJIUzI1NiJ9.jira-dc-rotated',
      expiresIn: 7200,
      refused: json({ error: 'invalid_grant', error_description: 'Refresh token is invalid or expired' }, 400),
    },
  },
];
