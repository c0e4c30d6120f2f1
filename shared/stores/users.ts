import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProviderIdentity } from '../providers/identity';
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
  constructor(private readonly table: Table) {}

  /**
   * Finds the user behind a provider identity, or creates one. Without transactions the identity item is
   * claimed first with a conditional write (which, refused, names the existing user), then the profile is
   * upserted; a crash between the two leaves an identity whose profile the next sign-in writes, never a user
   * nobody can reach. Of two first sign-ins at once, one claim wins and both end up with its user.
   */
  async findOrCreate(provider: string, host: string | undefined, identity: ProviderIdentity): Promise<{ user: User; created: boolean }> {
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
      return { user: await this.upsertProfile(userId, identity), created: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const claim = await blockingItem(this.table, err, identityKey);
      if (!claim) throw new Error('identity claim refused but not found');
      // Our own random id: the claim was this write, applied by an attempt whose answer was lost.
      return { user: await this.upsertProfile(claim.userId as string, identity), created: claim.userId === userId };
    }
  }

  private async upsertProfile(userId: string, identity: ProviderIdentity): Promise<User> {
    const { Attributes } = await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.userProfile(userId),
        // A sign-in stores a token next, so it numbers that change in the same write (SPEC: `version`).
        UpdateExpression:
          'SET #id = :id, createdAt = if_not_exists(createdAt, :now), email = if_not_exists(email, :email), username = if_not_exists(username, :username), #name = if_not_exists(#name, :name) ADD version :one',
        ExpressionAttributeNames: { '#id': 'id', '#name': 'name' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':id': userId,
          ':now': this.table.now(),
          ':email': identity.email ?? null,
          ':username': identity.username ?? null,
          ':name': identity.name ?? null,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toUser(Attributes!);
  }

  /**
   * Numbers the next change of the user's tokens (one atomic update of the profile). The number is taken
   * before the change is written, and a token write is refused where a later number already stands, so the
   * me-channel's order is the table's order; a number whose change never lands is only a gap, which makes
   * the agent read `GET /me`.
   */
  async nextVersion(userId: string): Promise<number> {
    const { Attributes } = await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.userProfile(userId),
        UpdateExpression: 'SET #id = if_not_exists(#id, :id) ADD version :one',
        ExpressionAttributeNames: { '#id': 'id' },
        ExpressionAttributeValues: { ':id': userId, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes!.version as number;
  }

  /** The profile and token items of a user in one Query (its whole partition). */
  async partition(userId: string): Promise<{ user?: User; items: Record<string, unknown>[] }> {
    const { Items = [] } = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.userProfile(userId).pk },
        ConsistentRead: true,
      }),
    );
    const profile = Items.find((item) => item.sk === 'PROFILE');
    return { user: profile ? toUser(profile) : undefined, items: Items };
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
