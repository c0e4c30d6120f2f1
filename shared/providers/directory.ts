import { HandshakeError } from '../errors';
import { PROVIDER_CATALOG, findProviderRow, type ProviderRow } from './catalog';
import { discoverEndpoints } from './discovery';
import { normalizeHost } from './hosts';
import type { ProviderHttp } from './http';
import type { ClientCredentials, SettingsSource } from './settings';

/** A catalog row made concrete for one deployment and host: real URLs and the client to use. */
export interface ResolvedProvider {
  row: ProviderRow;
  /** Normalised origin for host-bound rows; undefined for the provider's public host. */
  host?: string;
  client: ClientCredentials;
  endpoints: { authorize: string; token: string; userinfo?: string; api?: string };
}

/**
 * Looks providers up: catalog row (PRVD-1000), deployment settings (PRVD-1009), host (PRVD-1003), and
 * discovery for OpenID Connect rows.
 */
export class ProviderDirectory {
  constructor(
    private readonly settings: SettingsSource,
    private readonly http: ProviderHttp,
    private readonly catalog: readonly ProviderRow[] = PROVIDER_CATALOG,
  ) {}

  row(providerId: string): ProviderRow {
    const row = findProviderRow(providerId, this.catalog);
    if (!row) throw new HandshakeError('PRVD-1000', undefined, { provider: providerId.slice(0, 64) });
    return row;
  }

  async resolve(providerId: string, hostInput?: string): Promise<ResolvedProvider> {
    const row = this.row(providerId);
    const settings = await this.settings.get(row.id);
    if (!settings) throw new HandshakeError('PRVD-1009');

    let host: string | undefined;
    let client: ClientCredentials | undefined;
    if (row.host === 'required') {
      if (!hostInput) throw new HandshakeError('PRVD-1003', 'This provider needs a host');
      host = normalizeHost(hostInput);
      client = Object.entries(settings.hosts ?? {}).find(([configured]) => safeOrigin(configured) === host)?.[1];
      if (!client) throw new HandshakeError('PRVD-1003');
    } else {
      if (hostInput) throw new HandshakeError('PRVD-1003', 'This provider does not take a host');
      client = settings.clientId ? { clientId: settings.clientId, clientSecret: settings.clientSecret } : undefined;
    }
    if (!client?.clientId) throw new HandshakeError('PRVD-1009');

    if (row.endpoints.kind === 'discovery') {
      if (!settings.issuer) throw new HandshakeError('PRVD-1009');
      const discovered = await discoverEndpoints(this.http, settings.issuer);
      return { row, host, client, endpoints: discovered };
    }
    const fill = (template: string | undefined) => (template && host ? template.replaceAll('{host}', host) : template);
    const { authorize, token, userinfo, api } = row.endpoints;
    return { row, host, client, endpoints: { authorize: fill(authorize)!, token: fill(token)!, userinfo: fill(userinfo), api: fill(api) } };
  }
}

function safeOrigin(value: string): string | undefined {
  try {
    return normalizeHost(value);
  } catch {
    return undefined;
  }
}
