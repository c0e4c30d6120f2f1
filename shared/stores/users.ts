import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRing } from '../crypto/keys';
import type { ProviderIdentity } from '../providers/identity';
import type { ProviderToken } from '../providers/token-response';
import { emptyParts, openTokens, storeToken, updateExpression, type StoredToken } from './profile-tokens';
import { keys } from './schema';
import { blockingItem, isConditionFailure, type Table } from './table';

export interface User {
  id: string;
  email?: string;
  username?: string;
  name?: string;
  createdAt: number;
  /** How many changes of the user's provider tokens there have been (SPEC, "Me-channel": `version`). */
  version: number;
}

/**
 * Users and the provider identities that lead to them. A user is found by (provider, host, subject), or by
 * (issuer, subject) for OpenID Connect issuers, only:
 * matching on an e-mail address a provider did not verify would hand one person's account to another.
 */
export class UserStore {
  constructor(
    private readonly table: Table,
    private readonly ring: KeyRing,
  ) {}

  /**
   * Finds the user behind a provider identity, or creates one. Without transactions the identity item is
   * claimed first with a conditional write (which, refused, names the existing user), then the profile is
   * upserted; a crash between the two leaves an identity whose profile the next sign-in writes, never a user
   * nobody can reach. Of two first sign-ins at once, one claim wins and both end up with its user.
   * `token`, the sign-in's provider token, is stored in the profile write as the user's next change; the
   * answer holds the user (its `version` numbers that change) and every token the user now has.
   */
  async findOrCreate(
    provider: string,
    host: string | undefined,
    identity: ProviderIdentity,
    token?: ProviderToken,
  ): Promise<{ user: User; created: boolean; tokens: StoredToken[] }> {
    const identityKey = identity.issuer ? keys.issuerIdentity(identity.issuer, identity.subject) : keys.identity(provider, host, identity.subject);
    const userId = randomUUID();
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...identityKey, userId, provider, host, subject: identity.subject, ...(identity.issuer ? { issuer: identity.issuer } : {}) },
          ConditionExpression: 'attribute_not_exists(pk)',
          // A returning person: DynamoDB hands back the existing claim with the refusal, saving a read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ...(await this.upsertProfile(userId, provider, host, identity, token)), created: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const claim = await blockingItem(this.table, err, identityKey);
      if (!claim) throw new Error('identity claim refused but not found');
      // Our own random id: the claim was this write, applied by an attempt whose answer was lost.
      return { ...(await this.upsertProfile(claim.userId as string, provider, host, identity, token)), created: claim.userId === userId };
    }
  }

  private async upsertProfile(
    userId: string,
    provider: string,
    host: string | undefined,
    identity: ProviderIdentity,
    token: ProviderToken | undefined,
  ): Promise<{ user: User; tokens: StoredToken[] }> {
    const parts = emptyParts();
    if (token) await storeToken(parts, this.ring, userId, { ...token, provider, ...(host ? { host } : {}) }, this.table.now());
    Object.assign(parts.names, { '#id': 'id', '#name': 'name' });
    Object.assign(parts.values, {
      ':id': userId,
      ':now': this.table.now(),
      ':email': identity.email ?? null,
      ':username': identity.username ?? null,
      ':name': identity.name ?? null,
    });
    parts.set.push(
      '#id = :id',
      'createdAt = if_not_exists(createdAt, :now)',
      'email = if_not_exists(email, :email)',
      'username = if_not_exists(username, :username)',
      '#name = if_not_exists(#name, :name)',
    );
    const { Attributes } = await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.userProfile(userId),
        UpdateExpression: updateExpression(parts),
        ExpressionAttributeNames: parts.names,
        ExpressionAttributeValues: parts.values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { user: toUser(Attributes!), tokens: await openTokens(this.ring, userId, Attributes) };
  }

  /**
   * The profile and every token of a user in one consistent read of the profile item, so `user.version`
   * names exactly the changes the tokens include.
   */
  async snapshot(userId: string): Promise<{ user?: User; tokens: StoredToken[] }> {
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key: keys.userProfile(userId), ConsistentRead: true }));
    return { user: Item && typeof Item.createdAt === 'number' ? toUser(Item) : undefined, tokens: await openTokens(this.ring, userId, Item) };
  }
}

function toUser(item: Record<string, unknown>): User {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    id: item.id as string,
    email: text(item.email),
    username: text(item.username),
    name: text(item.name),
    createdAt: item.createdAt as number,
    version: typeof item.version === 'number' ? item.version : 0,
  };
}
