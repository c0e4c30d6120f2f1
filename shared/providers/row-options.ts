import { HandshakeError } from '../errors';
import type { ProviderRow } from './catalog';
import type { ClientCredentials, ProvidersSettings } from './settings';

/**
 * Settings a deployment may give a row besides its credentials, where the provider lets each app choose
 * (README, "Providers"). Each is checked when the settings are read: a bad one is a configuration error that
 * names the provider and the field, never a request that fails at the provider.
 */
export type RowOption = 'tenant' | 'authorizationServer' | 'clientAuth';

interface OptionRule {
  /** What the value must be, for the error message. */
  expected: string;
  valid: (value: string) => boolean;
}

const RULES: Record<RowOption, OptionRule> = {
  // Microsoft identity platform: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols#endpoints
  tenant: {
    expected: '"organizations", "common", "consumers", a tenant id (GUID) or a verified domain',
    valid: (v) => /^(organizations|common|consumers)$/.test(v) || /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(v) || /^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(v),
  },
  // Okta: the org authorization server, or a custom one by id (https://developer.okta.com/docs/concepts/auth-servers/).
  authorizationServer: { expected: '"org" or an authorization server id such as "default"', valid: (v) => /^[A-Za-z0-9]{1,64}$/.test(v) },
  clientAuth: { expected: '"basic" (client_secret_basic) or "post" (client_secret_post)', valid: (v) => v === 'basic' || v === 'post' },
};

/** Throws PRVD-1009 naming the provider and the field when a row option is malformed or not one the row takes. */
export function checkRowOptions(row: ProviderRow, client: ClientCredentials): void {
  for (const option of Object.keys(RULES) as RowOption[]) {
    const value = client[option];
    if (value === undefined) continue;
    if (!row.options?.includes(option)) throw new HandshakeError('PRVD-1009', `${row.id}: ${option} is not a setting of this provider`);
    if (typeof value !== 'string' || !RULES[option].valid(value)) throw new HandshakeError('PRVD-1009', `${row.id}: ${option} must be ${RULES[option].expected}`);
  }
}

/** Checks every row option in a whole settings document (at startup, for PROVIDERS_CONFIG); the message names provider and field. */
export function checkAllRowOptions(settings: ProvidersSettings, find: (id: string) => ProviderRow | undefined): void {
  for (const [id, entry] of Object.entries(settings)) {
    const row = find(id);
    if (!row) continue;
    for (const client of [entry as ClientCredentials, ...Object.values(entry.hosts ?? {})]) checkRowOptions(row, client);
  }
}

/** The row as this client uses it: its options filled into the endpoint templates, its client authentication. */
export function withRowOptions(row: ProviderRow, client: ClientCredentials): { row: ProviderRow; fill: (template: string) => string } {
  const tenant = client.tenant ?? 'organizations';
  const server = client.authorizationServer && client.authorizationServer !== 'org' ? `/${client.authorizationServer}` : '';
  const fill = (template: string) => template.replaceAll('{tenant}', encodeURIComponent(tenant)).replaceAll('{authorizationServer}', server);
  const clientAuth = client.clientAuth === 'basic' ? 'header' : client.clientAuth === 'post' ? 'body' : row.clientAuth;
  return { row: clientAuth === row.clientAuth ? row : { ...row, clientAuth }, fill };
}
