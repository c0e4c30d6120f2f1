import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRing } from '../crypto/keys';
import { openJson, sealJson } from '../crypto/sealed-json';
import type { ProviderToken } from '../providers/token-response';
import { keys } from './schema';
import { blockingItem, isConditionFailure, type Table } from './table';

export interface StoredToken extends ProviderToken {
  provider: string;
  host?: string;
}

/** What a conditional token write did: written, or refused with what stands instead (absent: deleted). */
export type TokenWrite = { written: true } | { written: false; current?: StoredToken };

const context = (userId: string, provider: string, host?: string) => {
  const key = keys.providerToken(userId, provider, host);
  return `${key.pk}|${key.sk}`;
};

/** Provider tokens, encrypted with the key ring before they are written; one item per user, provider, host. */
export class TokenStore {
  /** The item (its ciphertext, unique per write) each token handed out was read from, for `replace`. */
  private readonly readFrom = new WeakMap<StoredToken, string>();

  constructor(
    private readonly table: Table,
    private readonly ring: KeyRing,
  ) {}

  /**
   * Stores a token as the change numbered `version` of its user (`UserStore.nextVersion`), unless a later
   * change of the same entry is already stored: of two connects that race, the one numbered last stands, and
   * the other learns which token is current. A refusal naming our own version is our own earlier attempt
   * whose answer was lost (the SDK retried): that write is done.
   */
  async put(userId: string, provider: string, host: string | undefined, token: ProviderToken, version: number): Promise<TokenWrite> {
    const sealed = await sealJson(this.ring, context(userId, provider, host), token);
    return this.write(userId, provider, host, version, { sealed, condition: 'attribute_not_exists(version) OR version < :version', values: { ':version': version } });
  }

  async get(userId: string, provider: string, host?: string): Promise<StoredToken | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.providerToken(userId, provider, host), ConsistentRead: true }),
    );
    return Item ? this.open(userId, Item) : undefined;
  }

  /**
   * Writes `next` (as change `version`) only if the item still is the one `seen` was read from. Otherwise
   * nothing is written and `current` is what replaced it (undefined if it was deleted meanwhile): a refresh
   * that races a disconnect never brings the token back.
   */
  async replace(userId: string, seen: StoredToken, next: ProviderToken, version: number): Promise<TokenWrite> {
    const { provider, host } = seen;
    const sealed = await sealJson(this.ring, context(userId, provider, host), next);
    return this.write(userId, provider, host, version, { sealed, condition: 'sealed = :seen', values: { ':seen': this.readFrom.get(seen) ?? '' } });
  }

  private async write(
    userId: string,
    provider: string,
    host: string | undefined,
    version: number,
    put: { sealed: string; condition: string; values: Record<string, unknown> },
  ): Promise<TokenWrite> {
    const key = keys.providerToken(userId, provider, host);
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...key, provider, host, sealed: put.sealed, version, updatedAt: this.table.now() },
          ConditionExpression: put.condition,
          ExpressionAttributeValues: put.values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const item = await blockingItem(this.table, err, key);
      if (item && item.version === version && item.sealed === put.sealed) return { written: true };
      return { written: false, ...(item ? { current: await this.open(userId, item) } : {}) };
    }
  }

  /** Forgets a user's token for a provider (and host); absent tokens are fine. */
  async delete(userId: string, provider: string, host?: string): Promise<void> {
    await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.providerToken(userId, provider, host) }));
  }

  /** Every token of a user, from the items of one Query over the user's partition. */
  async openAll(userId: string, items: Record<string, unknown>[]): Promise<StoredToken[]> {
    const tokens = items.filter((item) => typeof item.sk === 'string' && item.sk.startsWith('TOKEN#'));
    return Promise.all(tokens.map((item) => this.open(userId, item)));
  }

  private async open(userId: string, item: Record<string, unknown>): Promise<StoredToken> {
    const provider = item.provider as string;
    const host = item.host as string | undefined;
    const token = await openJson<ProviderToken>(this.ring, context(userId, provider, host), item.sealed as string);
    const stored: StoredToken = { ...token, provider, ...(host ? { host } : {}) };
    this.readFrom.set(stored, item.sealed as string);
    return stored;
  }
}
