import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './schema';
import { PARTITION_FIELDS } from './connections';
import { epochSeconds, isConditionFailure, isLive, type Table } from './table';

/** One sign-in (SPEC, "Sessions"): what a person sees when deciding which session to end. */
export interface SessionRecord {
  userId: string;
  sid: string;
  clientName?: string;
  clientDevice?: string;
  createdAt: number;
  lastUsedAt: number;
  /** When the token stops verifying (ms); TTL removes the record a little later. */
  expiresAt: number;
  /** Set by a sign-out that has not finished yet: no call verifies with it, but the sign-out can be retried. */
  revokedAt?: number;
}

/** Session records, in the user's partition (`shared/sessions.ts` decides when they are read and written). */
export class SessionStore {
  constructor(private readonly table: Table) {}

  async create(record: SessionRecord): Promise<void> {
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.session(record.userId, record.sid), ...record, ttl: epochSeconds(record.expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      // The sid is 128 random bits: a record already under it is this very write, applied by an attempt whose
      // answer was lost and refused when the SDK retried it.
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** The live record, read consistently: a session deleted a moment ago must not verify. */
  async get(userId: string, sid: string): Promise<SessionRecord | undefined> {
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key: keys.session(userId, sid), ConsistentRead: true }));
    return isLive(Item, this.table.now()) ? toRecord(Item) : undefined;
  }

  /** Records a use; never brings back a session deleted meanwhile. */
  async touch(userId: string, sid: string): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.session(userId, sid),
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': this.table.now() },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Marks the session ended (the first step of a sign-out); a record already gone stays gone. */
  async revoke(userId: string, sid: string): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.session(userId, sid),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': this.table.now() },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async delete(userId: string, sid: string): Promise<void> {
    await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.session(userId, sid) }));
  }

  /** The user's live sessions and connection items, in one Query of the user's partition. */
  async ofUser(userId: string): Promise<{ sessions: SessionRecord[]; items: Record<string, unknown>[] }> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.userProfile(userId).pk },
          // Not the profile's sealed tokens: the session and connection fields only.
          ProjectionExpression: `${PARTITION_FIELDS}, userId, clientName, clientDevice, createdAt, lastUsedAt, expiresAt`,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const sessions = items.filter((item) => String(item.sk).startsWith('SESSION#') && isLive(item, this.table.now())).map(toRecord);
    return { sessions, items };
  }
}

function toRecord(item: Record<string, unknown>): SessionRecord {
  return {
    userId: item.userId as string,
    sid: item.sid as string,
    ...(typeof item.clientName === 'string' ? { clientName: item.clientName } : {}),
    ...(typeof item.clientDevice === 'string' ? { clientDevice: item.clientDevice } : {}),
    createdAt: item.createdAt as number,
    lastUsedAt: item.lastUsedAt as number,
    expiresAt: item.expiresAt as number,
    ...(typeof item.revokedAt === 'number' ? { revokedAt: item.revokedAt } : {}),
  };
}
