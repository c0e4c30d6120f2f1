import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRing } from '../crypto/keys';
import { openJson, sealJson } from '../crypto/sealed-json';
import type { Flow } from '../state';
import { keys } from './schema';
import { blockingItem, epochSeconds, isConditionFailure, isLive, type Table } from './table';

/** A handshake can be started, visited and completed for 10 minutes (SPEC, "Start"). */
export const HANDSHAKE_LIFETIME_MS = 10 * 60_000;
/** After the first successful claim, the same claim gets the same answer for 120 s (SPEC, "Claim"). */
export const ANSWER_WINDOW_MS = 120_000;
/**
 * How long the record outlives its last use: an expired handshake still answers AUTH-1005 and a claimed one
 * AUTH-1008 for this long (instead of "unknown"); then TTL takes it.
 */
const KEPT_AFTER_USE_SECONDS = 600;

export type HandshakeMode = 'loopback' | 'poll';

/**
 * created → (poll: the user code is confirmed) → at-provider → exchanging → ready | failed;
 * ready → committing (one claimer holds a lease) → claimed. Expiry is not a status: it is `expiresAt`.
 */
export type HandshakeStatus = 'created' | 'at-provider' | 'exchanging' | 'ready' | 'failed' | 'committing' | 'claimed';

/** What the agent said about itself at the start, shown to the person (SPEC: `client`). */
export interface ClientLabel {
  name?: string;
  device?: string;
}

export interface HandshakeRecord {
  /** SHA-256 of the handshake code: the code itself is never stored. */
  codeHash: string;
  flow: Flow;
  provider: string;
  host?: string;
  /** Connect: the user who started it, and how the confirmation page names that account. */
  userId?: string;
  account?: string;
  /** base64url(SHA-256(verifier)). */
  challenge: string;
  mode: HandshakeMode;
  /** Loopback: where the browser is sent after the callback. */
  redirectUri?: string;
  /** Poll: SHA-256 of the code and the normalised user code. */
  userCodeHash?: string;
  client?: ClientLabel;
  status: HandshakeStatus;
  /** Wrong user codes typed so far (poll). */
  attempts: number;
  /** SHA-256 of the nonce of the provider visit: the state it issued, and no other, may complete it. */
  nonceHash?: string;
  /** Loopback: SHA-256 of the one-time `result` the browser carried to the agent. */
  resultHash?: string;
  /** The provider account that signed in (`@login` or e-mail), for the success page. */
  providerAccount?: string;
  /** Why it failed: the code the browser was shown, and the provider's OAuth error code. */
  failure?: { code: string; error: string };
  createdAt: number;
  expiresAt: number;
  /** While `committing`: until when the claimer that holds it may finish. */
  leaseUntil?: number;
  /** When the callback spent the visit: an exchange older than the callback can run has failed. */
  exchangingSince?: number;
  claimedAt?: number;
}

/** What the start knows; the later fields are set by the steps that learn them. */
export type NewHandshake = Omit<HandshakeRecord, 'status' | 'attempts' | 'nonceHash' | 'resultHash' | 'providerAccount' | 'failure' | 'leaseUntil' | 'claimedAt' | 'exchangingSince'>;

/** A conditional change either happened (the record as it is now) or did not (the record that stood in the way). */
export type Transition = { done: true; record: HandshakeRecord } | { done: false; current?: HandshakeRecord };

type Item = Record<string, unknown>;

/**
 * Handshake records (SPEC, "Storage"), one item per handshake, keyed by the SHA-256 of its code. Every step
 * is one conditional write on this item, so a step happens once however many requests race for it; a refused
 * step reports the record that refused it and the flows decide what that means. The provider's answer and the
 * claim's answer are encrypted with the key ring before they are written.
 */
export class HandshakeStore {
  /** The ciphertexts of each record handed out, kept off the record type so nothing prints them by accident. */
  private readonly sealed = new WeakMap<HandshakeRecord, { result?: string; answer?: string }>();

  constructor(
    private readonly table: Table,
    private readonly ring: KeyRing,
  ) {}

  async create(handshake: NewHandshake): Promise<void> {
    const { codeHash, client, ...fields } = handshake;
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...keys.handshake(codeHash),
            ...fields,
            ...(client?.name ? { clientName: client.name } : {}),
            ...(client?.device ? { clientDevice: client.device } : {}),
            status: 'created',
            attempts: 0,
            ttl: epochSeconds(handshake.expiresAt) + KEPT_AFTER_USE_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      // The code is 128 random bits: a record under its hash is this write, applied by an attempt whose answer
      // was lost and refused when the SDK retried it.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async get(codeHash: string): Promise<HandshakeRecord | undefined> {
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key: keys.handshake(codeHash), ConsistentRead: true }));
    return this.recordOf(Item);
  }

  /** The browser leaves for the provider: once, from `created`, for this provider (poll: with the right user code). */
  beginVisit(codeHash: string, visit: { provider: string; mode: HandshakeMode; nonceHash: string; userCodeHash?: string }): Promise<Transition> {
    const poll = visit.mode === 'poll';
    return this.transition(codeHash, {
      condition: `#status = :created AND #provider = :provider AND #mode = :mode AND #expiresAt > :now${poll ? ' AND #userCodeHash = :userCodeHash AND #attempts < :maxAttempts' : ''}`,
      values: { ':created': 'created', ':provider': visit.provider, ':mode': visit.mode, ...(poll ? { ':userCodeHash': visit.userCodeHash ?? '', ':maxAttempts': MAX_USER_CODE_ATTEMPTS } : {}) },
      set: { status: 'at-provider', nonceHash: visit.nonceHash },
    });
  }

  /** Undoes `beginVisit` when the way to the provider failed (discovery down, OAuth 1.0a request token refused). */
  abandonVisit(codeHash: string, nonceHash: string): Promise<Transition> {
    return this.transition(codeHash, {
      condition: '#status = :atProvider AND #nonceHash = :nonceHash',
      values: { ':atProvider': 'at-provider', ':nonceHash': nonceHash },
      set: { status: 'created' },
      remove: ['nonceHash'],
    });
  }

  /** Counts a wrong user code (poll), while fewer than the maximum were typed. */
  countWrongUserCode(codeHash: string): Promise<Transition> {
    return this.transition(codeHash, {
      condition: '#status = :created AND #mode = :poll AND #attempts < :maxAttempts AND #expiresAt > :now',
      values: { ':created': 'created', ':poll': 'poll', ':maxAttempts': MAX_USER_CODE_ATTEMPTS },
      add: { attempts: 1 },
    });
  }

  /** The callback spends the visit's state: once, before the code is exchanged. */
  beginExchange(codeHash: string, nonceHash: string): Promise<Transition> {
    return this.transition(codeHash, {
      condition: '#status = :atProvider AND #nonceHash = :nonceHash AND #expiresAt > :now',
      values: { ':atProvider': 'at-provider', ':nonceHash': nonceHash },
      set: { status: 'exchanging', exchangingSince: this.table.now() },
    });
  }

  /** Keeps the provider's answer (encrypted) until the agent claims it. */
  async complete(codeHash: string, outcome: { result: unknown; resultHash?: string; providerAccount?: string }): Promise<Transition> {
    const sealedResult = await sealJson(this.ring, context(codeHash, 'result'), outcome.result);
    return this.transition(codeHash, {
      condition: '#status = :exchanging',
      values: { ':exchanging': 'exchanging' },
      set: { status: 'ready', sealedResult, resultHash: outcome.resultHash, providerAccount: outcome.providerAccount },
    });
  }

  fail(codeHash: string, failure: { code: string; error: string }): Promise<Transition> {
    return this.transition(codeHash, {
      condition: '#status = :exchanging',
      values: { ':exchanging': 'exchanging' },
      set: { status: 'failed', failureCode: failure.code, failureError: failure.error },
    });
  }

  /**
   * Takes the right to commit a ready handshake, for `leaseMs`, if the proof matches: the challenge, the user
   * (connect) and the result (loopback). A lease whose holder vanished may be taken over once it ran out.
   */
  lease(codeHash: string, proof: { challenge: string; userId?: string; resultHash?: string }, leaseMs: number): Promise<Transition> {
    return this.transition(codeHash, {
      condition:
        '#challenge = :challenge AND (#status = :ready OR (#status = :committing AND #leaseUntil < :now)) AND #expiresAt > :now' +
        ' AND (#flow = :signup OR #userId = :userId) AND (#mode = :poll OR #resultHash = :resultHash)',
      values: {
        ':challenge': proof.challenge,
        ':ready': 'ready',
        ':committing': 'committing',
        ':signup': 'signup',
        ':userId': proof.userId ?? '',
        ':poll': 'poll',
        ':resultHash': proof.resultHash ?? '',
      },
      set: { status: 'committing', leaseUntil: this.table.now() + leaseMs },
    });
  }

  /** Records the answer of the commit that holds the lease; the provider's answer is dropped. */
  async finishClaim(record: HandshakeRecord, answer: unknown): Promise<Transition> {
    const claimedAt = this.table.now();
    const sealedAnswer = await sealJson(this.ring, context(record.codeHash, 'answer'), answer);
    const ttl = Math.max(epochSeconds(record.expiresAt), epochSeconds(claimedAt + ANSWER_WINDOW_MS)) + KEPT_AFTER_USE_SECONDS;
    return this.transition(record.codeHash, {
      condition: '#status = :committing AND #leaseUntil = :leaseUntil',
      values: { ':committing': 'committing', ':leaseUntil': record.leaseUntil ?? 0 },
      set: { status: 'claimed', claimedAt, sealedAnswer, ttl },
      remove: ['sealedResult'],
    });
  }

  /** The provider's answer kept by `complete` (present while ready or committing). */
  async result<T>(record: HandshakeRecord): Promise<T> {
    return openJson<T>(this.ring, context(record.codeHash, 'result'), this.sealed.get(record)?.result ?? '');
  }

  /** The answer recorded by `finishClaim`. */
  async answer<T>(record: HandshakeRecord): Promise<T> {
    return openJson<T>(this.ring, context(record.codeHash, 'answer'), this.sealed.get(record)?.answer ?? '');
  }

  private async transition(
    codeHash: string,
    change: { condition: string; values: Record<string, unknown>; set?: Record<string, unknown>; add?: Record<string, number>; remove?: string[] },
  ): Promise<Transition> {
    const key = keys.handshake(codeHash);
    // Names this write on the item: a retry (by the SDK) of an attempt that was applied but whose answer was
    // lost is refused by its own condition, and recognised by this id instead of taken for someone else's step.
    const writeId = randomUUID();
    const set = Object.entries({ ...change.set, lastWrite: writeId }).filter(([, value]) => value !== undefined);
    const clauses = [
      set.length ? `SET ${set.map(([name]) => `#${name} = :set_${name}`).join(', ')}` : '',
      change.add ? `ADD ${Object.keys(change.add).map((name) => `#${name} :add_${name}`).join(', ')}` : '',
      change.remove?.length ? `REMOVE ${change.remove.map((name) => `#${name}`).join(', ')}` : '',
    ].filter(Boolean);
    const values: Record<string, unknown> = { ...change.values, ':now': this.table.now() };
    for (const [name, value] of set) values[`:set_${name}`] = value;
    for (const [name, value] of Object.entries(change.add ?? {})) values[`:add_${name}`] = value;
    const expressions = `${clauses.join(' ')} ${change.condition}`;
    const names: Record<string, string> = {};
    for (const [, name] of expressions.matchAll(/#(\w+)/g)) names[`#${name}`] = name!;
    // Only the values the expressions use: DynamoDB refuses unused ones.
    const used = Object.fromEntries(Object.entries(values).filter(([placeholder]) => new RegExp(`${placeholder}\\b`).test(expressions)));
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: clauses.join(' '),
          ConditionExpression: `attribute_exists(pk) AND ${change.condition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: used,
          ReturnValues: 'ALL_NEW',
          // DynamoDB hands the refusing item back with the refusal, saving a read (see blockingItem).
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { done: true, record: this.recordOf(Attributes)! };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const item = await blockingItem(this.table, err, key);
      const current = this.recordOf(item);
      if (current && item?.lastWrite === writeId) return { done: true, record: current };
      return current ? { done: false, current } : { done: false };
    }
  }

  private recordOf(item: Item | undefined): HandshakeRecord | undefined {
    if (!isLive(item, this.table.now())) return undefined;
    const text = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : undefined);
    const number = (name: string) => (typeof item[name] === 'number' ? (item[name] as number) : undefined);
    const client: ClientLabel = { ...(text('clientName') ? { name: text('clientName') } : {}), ...(text('clientDevice') ? { device: text('clientDevice') } : {}) };
    const record: HandshakeRecord = {
      codeHash: String(item.pk).slice(keys.handshake('').pk.length),
      flow: item.flow as Flow,
      provider: String(item.provider),
      ...(text('host') ? { host: text('host') } : {}),
      ...(text('userId') ? { userId: text('userId') } : {}),
      ...(text('account') ? { account: text('account') } : {}),
      challenge: String(item.challenge),
      mode: item.mode as HandshakeMode,
      ...(text('redirectUri') ? { redirectUri: text('redirectUri') } : {}),
      ...(text('userCodeHash') ? { userCodeHash: text('userCodeHash') } : {}),
      ...(client.name || client.device ? { client } : {}),
      status: item.status as HandshakeStatus,
      attempts: number('attempts') ?? 0,
      ...(text('nonceHash') ? { nonceHash: text('nonceHash') } : {}),
      ...(text('resultHash') ? { resultHash: text('resultHash') } : {}),
      ...(text('providerAccount') ? { providerAccount: text('providerAccount') } : {}),
      ...(text('failureCode') ? { failure: { code: text('failureCode')!, error: text('failureError') ?? '' } } : {}),
      createdAt: number('createdAt') ?? 0,
      expiresAt: number('expiresAt') ?? 0,
      ...(number('leaseUntil') !== undefined ? { leaseUntil: number('leaseUntil') } : {}),
      ...(number('exchangingSince') !== undefined ? { exchangingSince: number('exchangingSince') } : {}),
      ...(number('claimedAt') !== undefined ? { claimedAt: number('claimedAt') } : {}),
    };
    this.sealed.set(record, { result: text('sealedResult'), answer: text('sealedAnswer') });
    return record;
  }
}

/** Wrong user codes after which a poll-mode handshake fails (SPEC: AUTH-1010). */
export const MAX_USER_CODE_ATTEMPTS = 5;

const context = (codeHash: string, what: 'result' | 'answer') => `HANDSHAKE#${codeHash}|${what}`;
