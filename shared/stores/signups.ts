import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRing } from '../crypto/keys';
import { openJson, sealJson } from '../crypto/sealed-json';
import { keys } from './schema';
import { blockingItem, epochSeconds, isConditionFailure, isLive, type Table } from './table';

/** A sign-up record lives 10 minutes (SPEC). */
export const SIGNUP_LIFETIME_SECONDS = 600;

export type SignupOutcome<T> =
  | { status: 'ready'; result: T }
  | { status: 'failed'; provider: string; error: string }
  | { status: 'pending' }
  | { status: 'expired' };

const context = (hash: string) => `SIGNUP#${hash}`;

/**
 * Sign-up records, keyed by the SHA-256 of the agent's sign-up token (the token itself is never stored).
 * A record is `pending` from the browser's start until the callback writes `ready` (with the sealed
 * answer) or `failed`; check-signup takes a finished record away with one conditional delete, so of many
 * concurrent polls exactly one receives it.
 */
export class SignupStore {
  constructor(
    private readonly table: Table,
    private readonly ring: KeyRing,
  ) {}

  /** Notes that a sign-up started, so that a poll can later tell "expired" from "not yet". */
  async markPending(hash: string): Promise<void> {
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...keys.signup(hash), status: 'pending', ttl: epochSeconds(this.table.now()) + SIGNUP_LIFETIME_SECONDS },
          // A second start with the same token must not erase a finished sign-up the agent has not read.
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async complete<T>(hash: string, result: T): Promise<void> {
    const sealed = await sealJson(this.ring, context(hash), result);
    await this.write(hash, { status: 'ready', sealed });
  }

  async fail(hash: string, provider: string, error: string): Promise<void> {
    await this.write(hash, { status: 'failed', provider, error });
  }

  private async write(hash: string, attributes: Record<string, unknown>): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.signup(hash), ...attributes, ttl: epochSeconds(this.table.now()) + SIGNUP_LIFETIME_SECONDS },
      }),
    );
  }

  /** Takes a finished record (one-shot), or says why there is none to take. */
  async consume<T>(hash: string): Promise<SignupOutcome<T>> {
    const now = this.table.now();
    let item: Record<string, unknown> | undefined;
    try {
      const { Attributes } = await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.signup(hash),
          ConditionExpression: 'attribute_exists(pk) AND #status <> :pending AND #ttl > :now',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': epochSeconds(now) },
          ReturnValues: 'ALL_OLD',
          // DynamoDB returns the blocking item with the failure, saving a read (see blockingItem).
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      item = Attributes;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const blocking = await blockingItem(this.table, err, keys.signup(hash));
      if (!blocking) return { status: 'pending' };
      return isLive(blocking, now) ? { status: 'pending' } : { status: 'expired' };
    }
    if (!item) return { status: 'pending' };
    if (item.status === 'failed') return { status: 'failed', provider: String(item.provider), error: String(item.error) };
    return { status: 'ready', result: await openJson<T>(this.ring, context(hash), item.sealed as string) };
  }
}
