import type { ResolvedProvider } from './directory';
import { getJson, ProviderHttpError, type ProviderHttp } from './http';

/** Who signed in, as the provider says. `subject` is the provider's stable user id. */
export interface ProviderIdentity {
  subject: string;
  email?: string;
  username?: string;
  name?: string;
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * Reads the signed-in user's identity with the fresh access token, the way the row says: OpenID userinfo,
 * or the provider's user API where it has no OpenID endpoint.
 */
export async function fetchIdentity(provider: ResolvedProvider, accessToken: string, http: ProviderHttp): Promise<ProviderIdentity> {
  const auth = { authorization: `Bearer ${accessToken}` };
  switch (provider.row.identity) {
    case 'oidc-userinfo': {
      if (!provider.endpoints.userinfo) throw new ProviderHttpError(`${provider.row.id} has no userinfo endpoint`);
      const info = (await getJson(http, provider.endpoints.userinfo, auth)) as Record<string, unknown>;
      return checked({
        subject: text(info.sub)!,
        email: info.email_verified === false ? undefined : text(info.email),
        username: text(info.preferred_username) ?? text(info.nickname),
        name: text(info.name),
      });
    }
    case 'github': {
      // https://docs.github.com/en/rest/users/users#get-the-authenticated-user and .../emails: the profile
      // email may be hidden, so the primary verified address comes from /user/emails.
      const api = provider.endpoints.api!;
      const user = (await getJson(http, `${api}/user`, { ...auth, accept: 'application/vnd.github+json' })) as Record<string, unknown>;
      const emails = (await getJson(http, `${api}/user/emails`, { ...auth, accept: 'application/vnd.github+json' }).catch(() => [])) as Array<Record<string, unknown>>;
      const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && e.verified === true) : undefined;
      return checked({ subject: String(user.id ?? ''), email: text(primary?.email), username: text(user.login), name: text(user.name) });
    }
    case 'gitlab': {
      // https://docs.gitlab.com/api/users/#get-the-current-user
      const user = (await getJson(http, `${provider.endpoints.api!}/user`, auth)) as Record<string, unknown>;
      return checked({ subject: String(user.id ?? ''), email: text(user.email), username: text(user.username), name: text(user.name) });
    }
  }
}

function checked(identity: ProviderIdentity): ProviderIdentity {
  if (!identity.subject) throw new ProviderHttpError('the provider did not say who signed in');
  return identity;
}
