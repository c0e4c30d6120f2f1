import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRing } from '../crypto/keys';
import type { ProviderToken } from '../providers/token-response';
import { emptyParts, openToken, removeToken, sealedOn, storeToken, tokenIsAt, updateExpression, versionOn, type StoredToken, type UpdateParts } from './profile-tokens';
import { keys } from './schema';
import { blockingItem, isConditionFailure, type Table } from './table';

export type { StoredToken } from './profile-tokens';

/** What a conditional token write did: written as change `version`, or refused with what stands instead (absent: removed). */
export type TokenWrite = { written: true; version: number } | { written: false; current?: StoredToken };

/**
 * Provider tokens, sealed with the key ring before they are written, on the user's profile item
 * (`profile-tokens.ts`): each write is one UpdateItem that also numbers the change.
 */
export class TokenStore {
  constructor(
    private readonly table: Table,
    private readonly ring: KeyRing,
  ) {}

  /**
   * Stores a token as the user's next change and answers its number. Two connects of one provider are
   * ordered by DynamoDB: the one written last stands and is numbered last, so every window ends with it.
   */
  async put(userId: string, provider: string, host: string | undefined, token: ProviderToken): Promise<number> {
    const parts = emptyParts();
    await storeToken(parts, this.ring, userId, { ...token, provider, ...(host ? { host } : {}) }, this.table.now());
    return this.update(userId, parts);
  }

  async get(userId: string, provider: string, host?: string): Promise<StoredToken | undefined> {
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key: keys.userProfile(userId), ConsistentRead: true }));
    return openToken(this.ring, userId, Item, provider, host);
  }

  /**
   * Writes `next` only if the stored token still is the one `seen` was read as (its change number).
   * Otherwise nothing is written and `current` is what replaced it (undefined if it was removed meanwhile):
   * a refresh that races a disconnect never brings the token back.
   */
  async replace(userId: string, seen: StoredToken, next: ProviderToken): Promise<TokenWrite> {
    const { provider, host } = seen;
    const parts = emptyParts();
    const entry = await storeToken(parts, this.ring, userId, { ...next, provider, ...(host ? { host } : {}) }, this.table.now());
    const key = keys.userProfile(userId);
    try {
      return { written: true, version: await this.update(userId, parts, tokenIsAt(parts, seen.version)) };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const item = await blockingItem(this.table, err, key);
      // Our own ciphertext (unique per seal): an earlier attempt of this write, applied, whose answer was lost.
      if (sealedOn(item, provider, host) === entry.sealed) return { written: true, version: versionOn(item, provider, host)! };
      const current = await openToken(this.ring, userId, item, provider, host);
      return { written: false, ...(current ? { current } : {}) };
    }
  }

  /** Forgets a user's token for a provider (and host), absent or not, as the user's next change; answers its number. */
  async delete(userId: string, provider: string, host?: string): Promise<number> {
    const parts = emptyParts();
    removeToken(parts, provider, host);
    return this.update(userId, parts);
  }

  private async update(userId: string, parts: UpdateParts, condition?: string): Promise<number> {
    // The id too: a token written before the profile (whose sign-up write never landed) still names its user.
    parts.names['#id'] = 'id';
    parts.values[':id'] = userId;
    parts.set.push('#id = if_not_exists(#id, :id)');
    const { Attributes } = await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.userProfile(userId),
        UpdateExpression: updateExpression(parts),
        ...(condition ? { ConditionExpression: condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
        ExpressionAttributeNames: parts.names,
        ExpressionAttributeValues: parts.values,
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes!.version as number;
  }
}
