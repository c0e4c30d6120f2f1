import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { PARTITION_KEY, SORT_KEY } from '../shared/stores/schema';
import { createDocumentClient, LOCAL_AWS } from '../shared/stores/table';
import { startMoto } from './moto';

/** A document client for dynalite at `endpoint` (tests, scripts: reading the table behind the broker's back). */
export const localDocumentClient = (endpoint: string) => createDocumentClient({ endpoint, ...LOCAL_AWS });

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB API server, Apache-2.0) on loopback. In memory by default; `path` persists it
 * with LevelDB (the local stack keeps its data under `.data/`).
 */
export async function startDynalite(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The DynamoDB emulator tests and the local stack run on: dynalite, or moto's server when
 * `HANDSHAKE_DYNAMODB=moto` (npm test's second run, `test/run-on-moto.ts`). moto answers a refused condition
 * with the item, as AWS does, and checks expressions as AWS does; dynalite does neither.
 */
export async function startDynamoEmulator(options: { path?: string } = {}): Promise<LocalDynamo> {
  if (process.env.HANDSHAKE_DYNAMODB === 'moto') return startMoto();
  return startDynalite(options);
}

/** Creates the handshake table (same keys as the CDK stack) if it does not exist yet. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: SORT_KEY, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: SORT_KEY, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  } finally {
    client.destroy();
  }
}
