import { HandshakeError } from '../errors';
import { checkRowOptions, withRowOptions } from './row-options';
import { PROVIDER_CATALOG, canSignUp, findProviderRow, type ProviderRow, type StaticEndpoints } from './catalog';
import { discoverEndpoints } from './discovery';
import { normalizeHost } from './hosts';
import type { ProviderHttp } from './http';
import type { ClientCredentials, ProviderSettings, SettingsSource } from './settings';

/** A catalog row made concrete for one deployment and host: real URLs and the client to use. */
export interface ResolvedProvider {
  row: ProviderRow;
  /** Normalised origin for host-bound rows; undefined for the provider's public host. */
  host?: string;
  client: ClientCredentials;
  /** The row's endpoints with `{host}` filled in (or discovered); a revoke URL's `{clientId}` and `{token}` are still to be filled. */
  endpoints: Omit<StaticEndpoints, 'kind'>;
  /** The scopes to ask for (the row's, minus those a discovered issuer does not support). */
  scopes: string[];
  /** Discovered rows: the issuer, as its discovery document confirmed it (OpenID Connect Discovery §4.3). */
  issuer?: string;
}

/** One line of `GET /providers`: what an IDE needs to build its menu. */
export interface ProviderListing {
  id: string;
  name: string;
  /** The user must name an enterprise / org host (`?host=`). */
  needsHost: boolean;
  /** This environment has credentials for it (for host-bound rows: for at least one host). */
  configured: boolean;
  /** It can be used to sign up (SPEC: not the providers that return tokens in the URL fragment). */
  signup: boolean;
}

/** A provider a handshake may start with: the row, the normalised host, and the client this environment has for it. */
export interface CheckedProvider {
  row: ProviderRow;
  host?: string;
  client: ClientCredentials;
  settings: ProviderSettings;
}

/**
 * Looks providers up: catalog row (PRVD-1000), deployment settings (PRVD-1009), host (PRVD-1003), and
 * discovery for OpenID Connect rows.
 *
 * @example
 * const provider = await new ProviderDirectory(settings, http).resolve('gitlab_enterprise', 'gitlab.acme.com');
 */
export class ProviderDirectory {
  constructor(
    private readonly settings: SettingsSource,
    private readonly http: ProviderHttp,
    private readonly catalog: readonly ProviderRow[] = PROVIDER_CATALOG,
  ) {}

  /** The catalog row, or undefined for an unknown provider. */
  find(providerId: string): ProviderRow | undefined {
    return findProviderRow(providerId, this.catalog);
  }

  row(providerId: string): ProviderRow {
    const row = this.find(providerId);
    if (!row) throw new HandshakeError('PRVD-1000', undefined, { provider: providerId.slice(0, 64) });
    return row;
  }

  /** Every row with whether this environment configured it; no secrets, no hosts. */
  async list(): Promise<ProviderListing[]> {
    return Promise.all(
      this.catalog.map(async (row) => {
        const settings = await this.settings.get(row.id);
        const configured =
          row.host === 'required'
            ? Object.values(settings?.hosts ?? {}).some((client) => Boolean(client?.clientId))
            : Boolean(settings?.clientId) && (row.endpoints.kind !== 'discovery' || Boolean(settings?.issuer));
        return { id: row.id, name: row.name, needsHost: row.host === 'required', configured, signup: canSignUp(row) };
      }),
    );
  }

  /**
   * The host as a token is stored under: the normalised origin for host-bound rows (PRVD-1003 when missing
   * or malformed), none otherwise (PRVD-1003 when one is given). Configuration is not consulted.
   */
  hostFor(row: ProviderRow, hostInput?: string): string | undefined {
    if (row.host === 'required') {
      if (!hostInput) throw new HandshakeError('PRVD-1003', 'This provider needs a host');
      return normalizeHost(hostInput);
    }
    if (hostInput) throw new HandshakeError('PRVD-1003', 'This provider does not take a host');
    return undefined;
  }

  /**
   * Everything `resolve` checks before it talks to the provider: the row (PRVD-1000), this environment's
   * settings (PRVD-1009) and the host (PRVD-1003). Starting a handshake asks only this: nothing reaches the
   * provider before the browser does.
   */
  async check(providerId: string, hostInput?: string): Promise<CheckedProvider> {
    const row = this.row(providerId);
    const settings = await this.settings.get(row.id);
    if (!settings) throw new HandshakeError('PRVD-1009');

    const host = this.hostFor(row, hostInput);
    let client: ClientCredentials | undefined;
    if (host) {
      client = Object.entries(settings.hosts ?? {}).find(([configured]) => safeOrigin(configured) === host)?.[1];
      if (!client) throw new HandshakeError('PRVD-1003');
    } else {
      // Only the client's own fields: other settings (Slack's signingSecret) never travel with the client.
      const { clientId, clientSecret, privateKey, tenant, authorizationServer, clientAuth } = settings;
      client = clientId ? { clientId, clientSecret, privateKey, tenant, authorizationServer, clientAuth } : undefined;
    }
    if (!client?.clientId) throw new HandshakeError('PRVD-1009');
    if (row.grant === 'oauth1' && !client.privateKey) throw new HandshakeError('PRVD-1009');
    if (row.endpoints.kind === 'discovery' && !settings.issuer) throw new HandshakeError('PRVD-1009');
    checkRowOptions(row, client);
    return { row, host, client, settings };
  }

  async resolve(providerId: string, hostInput?: string): Promise<ResolvedProvider> {
    const { row, host, client, settings } = await this.check(providerId, hostInput);
    if (row.endpoints.kind === 'discovery') {
      const discovered = await discoverEndpoints(this.http, settings.issuer!);
      const supported = discovered.scopesSupported;
      return {
        row,
        host,
        client,
        endpoints: {
          authorize: discovered.authorize,
          token: discovered.token,
          userinfo: discovered.userinfo,
          // RFC 7009 with the row's own client authentication.
          ...(discovered.revocation
            ? { revoke: { url: discovered.revocation, method: 'POST', auth: row.clientAuth === 'header' ? 'client-basic' : 'client-body', body: 'rfc7009' } as const }
            : {}),
        },
        scopes: supported ? row.scopes.filter((scope) => scope === 'openid' || supported.includes(scope)) : row.scopes,
        issuer: settings.issuer!,
      };
    }
    const options = withRowOptions(row, client);
    // Options first, the host last: a host can never be read as a template.
    const fill = (template: string | undefined) => (template ? (host ? options.fill(template).replaceAll('{host}', host) : options.fill(template)) : template);
    const { authorize, token, requestToken, userinfo, api, revoke } = row.endpoints;
    // An RFC 7009 revocation authenticates the client as its token requests do (Okta's per-app setting).
    const revokeAuth = revoke && client.clientAuth && revoke.body === 'rfc7009' && revoke.auth.startsWith('client-') ? (client.clientAuth === 'basic' ? 'client-basic' : 'client-body') : revoke?.auth;
    return {
      row: options.row,
      host,
      client,
      endpoints: {
        authorize: fill(authorize)!,
        token: fill(token),
        requestToken: fill(requestToken),
        userinfo: fill(userinfo),
        api: fill(api),
        ...(revoke ? { revoke: { ...revoke, url: fill(revoke.url)!, auth: revokeAuth! } } : {}),
      },
      scopes: row.scopes,
    };
  }
}

function safeOrigin(value: string): string | undefined {
  try {
    return normalizeHost(value);
  } catch {
    return undefined;
  }
}
