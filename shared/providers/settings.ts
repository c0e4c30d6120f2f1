import { findProviderRow } from './catalog';
import { checkAllRowOptions } from './row-options';
/**
 * Client credentials and per-provider configuration, kept out of the catalog because they differ per
 * deployment. Locally they come from the `PROVIDERS_CONFIG` environment variable (JSON); in AWS from SSM
 * Parameter Store (see `ssm-settings.ts`).
 *
 * @example
 * { "github": { "clientId": "Iv1.abc", "clientSecret": "..." },
 *   "okta": { "hosts": { "https://acme.okta.com": { "clientId": "...", "clientSecret": "..." } } },
 *   "oidc": { "issuer": "https://login.example.com", "clientId": "...", "clientSecret": "..." },
 *   "jiraserver": { "hosts": { "https://jira.acme.com": { "clientId": "<consumer key>", "privateKey": "-----BEGIN PRIVATE KEY-----..." } } } }
 */
export interface ClientCredentials {
  /** The OAuth 2 client id; the API key (Trello); the consumer key (OAuth 1.0a). */
  clientId: string;
  clientSecret?: string;
  /** OAuth 1.0a RSA-SHA1: the consumer's PEM private key (its public half is registered with the provider). */
  privateKey?: string;
  /** Microsoft rows: the Entra tenant (`organizations` by default; `common`, `consumers`, a tenant id or domain). */
  tenant?: string;
  /** Okta: `org` (default) or a custom authorization server's id (`default`, `aus1a2b3c...`). */
  authorizationServer?: string;
  /** Where the provider lets the app choose: `basic` (client_secret_basic) or `post` (client_secret_post). */
  clientAuth?: 'basic' | 'post';
}

export interface ProviderSettings extends Partial<ClientCredentials> {
  /** OpenID Connect issuer, for rows that use discovery. */
  issuer?: string;
  /** Enterprise or per-org hosts (origins) this deployment may use, each with its own OAuth app. */
  hosts?: Record<string, ClientCredentials>;
}

export type ProvidersSettings = Record<string, ProviderSettings>;

export interface SettingsSource {
  /** Settings of one provider, or undefined when this deployment did not configure it. */
  get(providerId: string): Promise<ProviderSettings | undefined>;
}

/** Settings held in memory (parsed from `PROVIDERS_CONFIG`, or given by a test). */
export class StaticSettings implements SettingsSource {
  constructor(private readonly settings: ProvidersSettings) {}

  /** Parses PROVIDERS_CONFIG and checks every row option in it: a bad one fails here, naming the provider and the field. */
  static fromJson(json: string | undefined): StaticSettings {
    const settings = json ? (JSON.parse(json) as ProvidersSettings) : {};
    checkAllRowOptions(settings, findProviderRow);
    return new StaticSettings(settings);
  }

  async get(providerId: string): Promise<ProviderSettings | undefined> {
    return Object.hasOwn(this.settings, providerId) ? this.settings[providerId] : undefined;
  }
}
