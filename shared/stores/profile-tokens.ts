import type { KeyRing } from '../crypto/keys';
import { openJson, sealJson } from '../crypto/sealed-json';
import type { ProviderToken } from '../providers/token-response';

/**
 * A user's provider tokens live on the user's profile item, next to its `version` (SPEC: every change of a
 * user's tokens raises it by one): one attribute per provider and host holding the sealed token, and beside
 * it the number of the change that wrote it. Storing or removing a token and numbering that change is then
 * one atomic UpdateItem, so the me-channel's order is the table's order and no change can land without its
 * number (or a number without its change). A profile stays far below DynamoDB's 400 KB item limit: a sealed
 * token is 1-5 KB, a user has a few dozen at most.
 */
export interface StoredToken extends ProviderToken {
  provider: string;
  host?: string;
  /** The number of the change that wrote this token: a conditional replace names it. */
  version: number;
}

/** The attribute that holds a token; the same string as the sealing context's second half. */
const tokenAttribute = (provider: string, host?: string) => `TOKEN#${provider}#${host ?? '-'}`;
const versionAttribute = (provider: string, host?: string) => `${tokenAttribute(provider, host)}#version`;
// Unchanged from when each token was an item of its own, so tokens sealed then still open.
const sealingContext = (userId: string, provider: string, host?: string) => `USER#${userId}|${tokenAttribute(provider, host)}`;

interface TokenEntry {
  provider: string;
  host?: string;
  sealed: string;
  updatedAt: number;
}

/** Parts of one UpdateExpression, joined by `updateExpression`. */
export interface UpdateParts {
  set: string[];
  remove: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export const emptyParts = (): UpdateParts => ({ set: [], remove: [], names: {}, values: {} });

/** Numbers the next change of the user: every operand reads the old value, so `#tv` gets the same number. */
function numberChange(parts: UpdateParts): string {
  parts.names['#version'] = 'version';
  parts.values[':zero'] = 0;
  parts.values[':one'] = 1;
  const next = 'if_not_exists(#version, :zero) + :one';
  parts.set.push(`#version = ${next}`);
  return next;
}

/** Adds "store this token as the user's next change" to an update of the profile. */
export async function storeToken(parts: UpdateParts, ring: KeyRing, userId: string, token: Omit<StoredToken, 'version'>, now: number): Promise<TokenEntry> {
  const { provider, host, ...value } = token;
  const entry: TokenEntry = { provider, ...(host ? { host } : {}), sealed: await sealJson(ring, sealingContext(userId, provider, host), value), updatedAt: now };
  const next = numberChange(parts);
  Object.assign(parts.names, { '#token': tokenAttribute(provider, host), '#tokenVersion': versionAttribute(provider, host) });
  parts.values[':entry'] = entry;
  parts.set.push('#token = :entry', `#tokenVersion = ${next}`);
  return entry;
}

/** Adds "remove this token, as the user's next change" to an update of the profile. */
export function removeToken(parts: UpdateParts, provider: string, host: string | undefined): void {
  numberChange(parts);
  Object.assign(parts.names, { '#token': tokenAttribute(provider, host), '#tokenVersion': versionAttribute(provider, host) });
  parts.remove.push('#token', '#tokenVersion');
}

/** The condition "this token is still the one written by change `version`". */
export function tokenIsAt(parts: UpdateParts, version: number): string {
  parts.values[':seenVersion'] = version;
  return '#tokenVersion = :seenVersion';
}

export function updateExpression(parts: UpdateParts): string {
  return [parts.set.length ? `SET ${parts.set.join(', ')}` : '', parts.remove.length ? `REMOVE ${parts.remove.join(', ')}` : ''].filter(Boolean).join(' ');
}

/** The sealed value a write put on the item, to recognise that write when its answer was lost. */
export function sealedOn(item: Record<string, unknown> | undefined, provider: string, host?: string): string | undefined {
  const entry = item?.[tokenAttribute(provider, host)] as TokenEntry | undefined;
  return entry?.sealed;
}

export function versionOn(item: Record<string, unknown> | undefined, provider: string, host?: string): number | undefined {
  const version = item?.[versionAttribute(provider, host)];
  return typeof version === 'number' ? version : undefined;
}

/** One token of a profile item, opened; undefined where the item holds none for that provider and host. */
export async function openToken(ring: KeyRing, userId: string, item: Record<string, unknown> | undefined, provider: string, host?: string): Promise<StoredToken | undefined> {
  const entry = item?.[tokenAttribute(provider, host)] as TokenEntry | undefined;
  if (!entry || typeof entry.sealed !== 'string') return undefined;
  const token = await openJson<ProviderToken>(ring, sealingContext(userId, provider, host), entry.sealed);
  return { ...token, provider, ...(host ? { host } : {}), version: versionOn(item, provider, host) ?? 0 };
}

/** Every token of a profile item, opened. */
export async function openTokens(ring: KeyRing, userId: string, item: Record<string, unknown> | undefined): Promise<StoredToken[]> {
  if (!item) return [];
  const entries = Object.entries(item).filter(([name, value]) => name.startsWith('TOKEN#') && typeof value === 'object' && value !== null) as [string, TokenEntry][];
  const tokens = await Promise.all(entries.map(([, entry]) => openToken(ring, userId, item, entry.provider, entry.host)));
  return tokens.filter((token): token is StoredToken => token !== undefined);
}
