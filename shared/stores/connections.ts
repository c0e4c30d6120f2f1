import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './schema';
import { epochSeconds, isLive, type Table } from './table';

/**
 * API Gateway closes a WebSocket after 2 hours at most; a record lives a little longer, then TTL takes it,
 * so connections whose $disconnect never ran do not pile up.
 */
export const CONNECTION_LIFETIME_SECONDS = 2 * 3600 + 600;

/** What `liveConnectionIds` reads of a partition's connection and session items. */
export const PARTITION_FIELDS = 'sk, sid, connectionId, revokedAt, #ttl';

/**
 * The me-channel connections of each user. Two items per connection: one in the user's partition
 * (publishing is one Query) and one by connection id ($disconnect knows nothing but the id).
 */
export class ConnectionStore {
  constructor(private readonly table: Table) {}

  /** `sid`: the session it was opened with, whose sign-out closes it. */
  async add(connectionId: string, userId: string, sid: string): Promise<void> {
    const ttl = epochSeconds(this.table.now()) + CONNECTION_LIFETIME_SECONDS;
    // The user's item first: if the second write fails, publishing finds a connection that answers 410 and forgets it.
    await this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...keys.userConnection(userId, connectionId), connectionId, sid, ttl } }));
    await this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...keys.connection(connectionId), userId, sid, ttl } }));
  }

  /**
   * The connections to publish to: live, and opened with a session that is still live and not revoked (one
   * Query of the user's partition, which holds both), so a sign-out cut halfway already stops deliveries.
   */
  async ofUser(userId: string): Promise<string[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.userProfile(userId).pk },
          // The partition also holds the profile with every sealed token: none of it travels for a publish.
          ProjectionExpression: PARTITION_FIELDS,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return liveConnectionIds(items, this.table.now());
  }

  /** Forgets a connection by id (on $disconnect); its user's item is found through the deleted one. */
  async remove(connectionId: string): Promise<void> {
    const { Attributes } = await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.connection(connectionId), ReturnValues: 'ALL_OLD' }));
    if (Attributes?.userId) await this.forget(Attributes.userId as string, connectionId);
  }

  /** Forgets a connection that publishing found gone (410). */
  async forget(userId: string, connectionId: string): Promise<void> {
    await Promise.all([
      this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.userConnection(userId, connectionId) })),
      this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.connection(connectionId) })),
    ]);
  }
}

/**
 * The connection ids to publish to among the items of a user's partition: live connections opened with a
 * session whose record is live and not revoked.
 */
export function liveConnectionIds(items: Record<string, unknown>[], now: number): string[] {
  const sessions = new Set(
    items.filter((item) => String(item.sk).startsWith('SESSION#') && isLive(item, now) && item.revokedAt === undefined).map((item) => item.sid),
  );
  return liveConnections(items, now)
    .filter((connection) => connection.sid !== undefined && sessions.has(connection.sid))
    .map((connection) => connection.connectionId);
}

/** Every connection item of a user's partition still within its TTL, with the session it was opened with. */
export function liveConnections(items: Record<string, unknown>[], now: number): { connectionId: string; sid?: string }[] {
  return items
    .filter((item) => String(item.sk).startsWith('CONN#') && isLive(item, now))
    .map((item) => ({ connectionId: item.connectionId as string, ...(typeof item.sid === 'string' ? { sid: item.sid } : {}) }));
}
