import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { AWS_CALL_BOUNDS } from '../aws-call-bounds';
import type { ProviderSettings, SettingsSource } from './settings';

/** How long provider settings are cached per container before SSM is read again. */
const MAX_AGE_SECONDS = 300;

/**
 * Provider settings in SSM Parameter Store: one SecureString per provider under `path`
 * (`<path>/github` = `{"clientId": "...", "clientSecret": "..."}`), read together with one
 * GetParametersByPath and cached by Powertools, so an unconfigured provider costs no extra call.
 *
 * @example
 * new SsmSettings('/handshake/providers', new SSMProvider({ clientConfig: { region: 'eu-west-1' } }))
 */
export class SsmSettings implements SettingsSource {
  /** The read under way: Powertools caches answers, not requests, so concurrent gets would each go to SSM. */
  private pending?: Promise<Record<string, ProviderSettings | undefined>>;

  constructor(
    private readonly path: string,
    // Bounded like DynamoDB's calls: a hung SSM must not hold the function to its timeout.
    private readonly ssm: SSMProvider = new SSMProvider({ clientConfig: { ...AWS_CALL_BOUNDS } }),
  ) {}

  async get(providerId: string): Promise<ProviderSettings | undefined> {
    this.pending ??= (
      this.ssm.getMultiple(this.path, {
        decrypt: true,
        recursive: false,
        maxAge: MAX_AGE_SECONDS,
        transform: 'json',
        throwOnTransformError: false,
      }) as Promise<Record<string, ProviderSettings | undefined>>
    ).finally(() => (this.pending = undefined));
    const all = await this.pending;
    return Object.hasOwn(all, providerId) ? all[providerId] : undefined;
  }
}
