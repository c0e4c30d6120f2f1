import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomToken, sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import { keys } from './schema';
import { epochSeconds, isLive, type Table } from './table';

/** Provider-auth codes live 10 minutes (SPEC) and are good for one handshake start. */
export const AUTH_CODE_LIFETIME_SECONDS = 600;

/**
 * Issues the single-purpose code an agent puts in the browser URL instead of its session token. Only the
 * code's hash is stored, so a table read does not yield usable codes.
 */
export async function issueAuthCode(table: Table, userId: string): Promise<{ code: string; expiresAt: number }> {
  const code = randomToken(32);
  const expiresAt = epochSeconds(table.now()) + AUTH_CODE_LIFETIME_SECONDS;
  await table.client.send(
    new PutCommand({
      TableName: table.name,
      Item: { ...keys.authCode(sha256(code)), userId, ttl: expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { code, expiresAt: expiresAt * 1000 };
}

/** Redeems a code once (a delete returning the old item): the user it names, or AUTH-1002 / AUTH-1005. */
export async function redeemAuthCode(table: Table, code: string): Promise<string> {
  const { Attributes: item } = await table.client.send(
    new DeleteCommand({ TableName: table.name, Key: keys.authCode(sha256(code)), ReturnValues: 'ALL_OLD' }),
  );
  if (!item) throw new HandshakeError('AUTH-1002', 'Unknown or already used code');
  if (!isLive(item, table.now())) throw new HandshakeError('AUTH-1005');
  return item.userId as string;
}
