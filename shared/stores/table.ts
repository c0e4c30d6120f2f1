import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { AWS_CALL_BOUNDS } from '../aws-call-bounds';
import { TTL_ATTRIBUTE } from './schema';

/** The table every store writes to, with the clock used to set and honour `ttl`. */
export interface Table {
  client: DynamoDBDocumentClient;
  name: string;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** Region and credentials for a local endpoint (dynalite, the local gateway), which checks neither. */
export const LOCAL_AWS = { region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export { AWS_CALL_BOUNDS } from '../aws-call-bounds';

/** A document client; `endpoint` points it at dynalite locally. */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ ...AWS_CALL_BOUNDS, ...config }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/** An item is live until its `ttl`; DynamoDB may keep it for a while after that, and we must not see it. */
export function isLive(item: Record<string, unknown> | undefined, now: number): item is Record<string, unknown> {
  if (!item) return false;
  const ttl = item[TTL_ATTRIBUTE];
  return typeof ttl !== 'number' || ttl > epochSeconds(now);
}

export function isConditionFailure(err: unknown): err is Error & { Item?: Record<string, unknown> } {
  return (err as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * The item that made a conditional write fail. DynamoDB returns it with the refusal when the write asked for
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`; dynalite does not, so it is read then.
 */
export async function blockingItem(table: Table, err: Error & { Item?: Record<string, unknown> }, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  if (err.Item) return unmarshall(err.Item as never);
  const { Item } = await table.client.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }));
  return Item;
}
