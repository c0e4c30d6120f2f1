import { performance } from 'node:perf_hooks';
import { sameSecret } from '../crypto/compare';
import { pkceChallenge } from '../crypto/pkce';
import { sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import type { Runtime } from '../runtime';
import type { Session } from '../session-token';
import { ANSWER_WINDOW_MS, MAX_USER_CODE_ATTEMPTS, type HandshakeRecord } from '../stores/handshakes';
import { commitConnect, commitSignup, type ClaimAnswer } from './commit';
import { handshakeCode } from './handshake-code';
import type { HandshakeResult } from './handshake-result';
import { publishSafely } from './publish';

/**
 * How long one claim may hold the right to commit. Far longer than a commit takes (a few DynamoDB writes) and
 * than the claim function's timeout, so a lease runs out only when its holder is gone.
 */
const LEASE_MS = 20_000;
/** A claim that finds another committing waits for its answer this many times, 50 ms apart (≈ 5 s). */
const WAIT_ROUNDS = 100;
const WAIT_STEP_MS = 50;
/** Longer than the callback function's timeout (29 s). */
const EXCHANGE_LIMIT_MS = 45_000;

interface Proof {
  challenge: string;
  /** The Bearer session: absent, or not valid. */
  session: Session | 'none' | 'invalid';
  resultHash?: string;
}

/**
 * `PUT /no-auth/check-signup {code, verifier, result?}`: the starting agent collects its handshake (SPEC,
 * "Claim"). The proof comes first: a wrong verifier, another user's session (connect) or a wrong `result`
 * (loopback) is AUTH-1002 whatever the handshake's state. The first successful claim commits, exactly once
 * however many race (HandshakeCompleted); the same claim within 120 s gets the same answer, then AUTH-1008.
 * Every claim that answers is timed (ClaimLatency), from here to its answer.
 *
 * @example
 * const answer = await claimHandshake(rt, bearer, { code, verifier, result });
 */
export async function claimHandshake(rt: Runtime, sessionToken: string | undefined, body: Record<string, unknown>): Promise<ClaimAnswer> {
  const started = performance.now();
  const { code, verifier, result } = body;
  const { codeHash } = handshakeCode(code, 'RAPI-1001');
  // RFC 7636 §4.1: 43 to 128 unreserved characters.
  if (typeof verifier !== 'string' || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw new HandshakeError('RAPI-1001', 'verifier must be 43-128 unreserved characters');
  if (result !== undefined && (typeof result !== 'string' || result.length > 128)) throw new HandshakeError('RAPI-1001', 'result must be a string');
  const proof: Proof = {
    challenge: pkceChallenge(verifier),
    session: sessionToken ? await rt.sessions.verify(sessionToken).catch(invalidSession) : 'none',
    resultHash: result ? sha256(result) : undefined,
  };
  const userId = typeof proof.session === 'object' ? proof.session.userId : undefined;

  let attempt = await rt.handshakes.lease(codeHash, { challenge: proof.challenge, userId, resultHash: proof.resultHash }, LEASE_MS);
  for (let round = 0; ; round++) {
    if (attempt.done) return answered(rt, attempt.record, started, await commit(rt, attempt.record));
    const next = judge(rt, attempt.current, proof);
    if (next.kind === 'answered') return answered(rt, next.record, started, await rt.handshakes.answer<ClaimAnswer>(next.record));
    // Still here after ≈ 5 s: the other claim is stuck; retrying is safe.
    if (round >= WAIT_ROUNDS) throw new HandshakeError('SRV-1000');
    if (next.kind === 'lease') {
      attempt = await rt.handshakes.lease(codeHash, { challenge: proof.challenge, userId, resultHash: proof.resultHash }, LEASE_MS);
      continue;
    }
    // Another claim is committing: its answer is this claim's answer too.
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    const current = await rt.handshakes.get(codeHash);
    attempt = { done: false, ...(current ? { current } : {}) };
  }
}

/** What a refused lease means, in SPEC order; throws the SPEC code where the claim ends. */
function judge(rt: Runtime, record: HandshakeRecord | undefined, proof: Proof): { kind: 'answered'; record: HandshakeRecord } | { kind: 'lease' | 'wait' } {
  if (!record || !sameSecret(proof.challenge, record.challenge)) throw new HandshakeError('AUTH-1002');
  if (record.flow === 'connect') {
    if (typeof proof.session !== 'object') throw new HandshakeError('AUTH-1001');
    if (proof.session.userId !== record.userId) throw new HandshakeError('AUTH-1002');
  }
  const now = rt.now();
  const resultMatches = record.mode !== 'loopback' || sameSecret(proof.resultHash, record.resultHash);
  if (record.status === 'claimed') {
    if (!resultMatches) throw new HandshakeError('AUTH-1002');
    if (now < (record.claimedAt ?? 0) + ANSWER_WINDOW_MS) return { kind: 'answered', record };
    throw new HandshakeError('AUTH-1008');
  }
  if (now >= record.expiresAt) throw new HandshakeError('AUTH-1005');
  if (record.status === 'failed') {
    if (record.failure?.code === 'AUTH-1010') throw new HandshakeError('AUTH-1010');
    throw new HandshakeError('USRC-1022', undefined, { provider: record.provider, error: record.failure?.error ?? 'provider_error' });
  }
  if (record.mode === 'poll' && record.attempts >= MAX_USER_CODE_ATTEMPTS) throw new HandshakeError('AUTH-1010');
  if (record.status === 'created') throw new HandshakeError('AUTH-1006', undefined, { status: 'awaiting-confirmation' });
  // A callback runs 29 s at most (the HTTP API's limit): an exchange begun longer ago ended without saying how.
  if (record.status === 'exchanging' && record.exchangingSince !== undefined && now > record.exchangingSince + EXCHANGE_LIMIT_MS) {
    throw new HandshakeError('USRC-1022', undefined, { provider: record.provider, error: 'server_error' });
  }
  if (record.status === 'at-provider' || record.status === 'exchanging') throw new HandshakeError('AUTH-1006', undefined, { status: 'at-provider' });
  if (!resultMatches) throw new HandshakeError('AUTH-1002');
  if (record.status === 'committing' && (record.leaseUntil ?? 0) >= now) return { kind: 'wait' };
  return { kind: 'lease' };
}

/** The lease holder commits (SPEC, "The binding rule" 2), records the answer, then tells the user's other windows. */
async function commit(rt: Runtime, record: HandshakeRecord): Promise<ClaimAnswer> {
  const result = await rt.handshakes.result<HandshakeResult>(record);
  const committed = record.flow === 'connect' ? await commitConnect(rt, record, result) : await commitSignup(rt, record, result);
  const recorded = await rt.handshakes.finishClaim(record, committed.answer);
  // Only when this claim held the lease past its end (it was taken over): the other claim's answer stands.
  if (!recorded.done) throw new HandshakeError('SRV-1000');
  rt.metrics.handshakeCompleted(record);
  rt.logger.info('handshake claimed', { provider: record.provider, flow: record.flow, mode: record.mode, userId: record.userId ?? ('user' in committed.answer ? committed.answer.user.id : undefined) });
  if (committed.publish) {
    const { userId, update, version } = committed.publish;
    await publishSafely(rt, userId, update, { provider: record.provider, flow: record.flow }, version);
  }
  return committed.answer;
}

/** The claim answers: how long it took, under the handshake's provider, flow and mode. */
function answered(rt: Runtime, record: HandshakeRecord, started: number, answer: ClaimAnswer): ClaimAnswer {
  rt.metrics.claimLatency(record, performance.now() - started);
  return answer;
}

/** A refused session is part of the proof (AUTH-1002 or AUTH-1001 later); DynamoDB failing to say is not. */
function invalidSession(err: unknown): 'invalid' {
  if (err instanceof HandshakeError && err.code === 'AUTH-1001') return 'invalid';
  throw err;
}
