import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { HandshakeError } from '../errors';
import { keys } from './schema';
import { isConditionFailure, type Table } from './table';

/**
 * Marks a state's nonce as used with one conditional write, before its code is exchanged: the second
 * callback with the same state gets AUTH-1008. The item lives as long as the state could.
 */
export async function consumeNonce(table: Table, nonce: string, stateExpiresAtSeconds: number): Promise<void> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: { ...keys.nonce(nonce), ttl: stateExpiresAtSeconds + 60 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (err) {
    if (isConditionFailure(err)) throw new HandshakeError('AUTH-1008');
    throw err;
  }
}
