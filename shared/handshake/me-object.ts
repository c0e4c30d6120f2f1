import { hostKey } from '../providers/hosts';
import type { ProviderToken } from '../providers/token-response';
import type { StoredToken } from '../stores/tokens';
import type { User } from '../stores/users';

/** What the agent sees of one provider connection (SPEC: `providerInfo.<p>[.hosts.<host>]`). */
export interface ProviderInfoEntry {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
  data: Record<string, unknown>;
}

export interface MeObject {
  id: string;
  email?: string;
  username?: string;
  providerInfo: Record<string, ProviderInfoEntry & { hosts?: Record<string, ProviderInfoEntry> }>;
}

export function providerInfoEntry(token: ProviderToken): ProviderInfoEntry {
  return {
    accessToken: token.accessToken,
    ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
    ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
    data: token.data,
  };
}

/** The me-object of a user with all its provider tokens; host-bound tokens sit under `hosts.<host key>`. */
export function buildMeObject(user: User, tokens: StoredToken[]): MeObject {
  const providerInfo: MeObject['providerInfo'] = {};
  for (const token of tokens) {
    if (token.host) {
      const entry = (providerInfo[token.provider] ??= {} as MeObject['providerInfo'][string]);
      (entry.hosts ??= {})[hostKey(token.host)] = providerInfoEntry(token);
    } else {
      providerInfo[token.provider] = { ...providerInfo[token.provider], ...providerInfoEntry(token) };
    }
  }
  return {
    id: user.id,
    ...(user.email ? { email: user.email } : {}),
    ...(user.username ? { username: user.username } : {}),
    providerInfo,
  };
}

/** Where a provider's entry sits in the me-object: `providerInfo.<p>` or `providerInfo.<p>.hosts.<host key>`. */
export function providerInfoPath(provider: string, host?: string): string {
  return host ? `providerInfo.${provider}.hosts.${hostKey(host)}` : `providerInfo.${provider}`;
}

/** The me-channel `$set` for a stored token: one dotted path per field, as SPEC shows. */
export function providerInfoSet(provider: string, host: string | undefined, token: ProviderToken): Record<string, unknown> {
  const base = providerInfoPath(provider, host);
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(providerInfoEntry(token))) set[`${base}.${field}`] = value;
  return set;
}
