import { redirectUriFor } from '../config';
import { createPkceVerifier } from '../crypto/pkce';
import { randomToken, sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import { authorizeLocation } from '../providers/grant';
import type { Runtime } from '../runtime';
import { sealState, type Flow } from '../state';
import { MAX_USER_CODE_ATTEMPTS, type ClientLabel, type HandshakeRecord } from '../stores/handshakes';
import { handshakeCode } from './handshake-code';
import { userCodeHash } from './user-code';

/** What the browser is told: leave for the provider (with the binding), or confirm first (poll mode). */
export type VisitOutcome = { kind: 'to-provider'; location: string; provider: string; nonce: string } | { kind: 'confirm'; view: ConfirmationView };

/** Everything the poll-mode confirmation page shows (SPEC, "The binding rule" 3); the page escapes it all. */
export interface ConfirmationView {
  provider: string;
  flow: Flow;
  client?: ClientLabel;
  /** Connect: the account the provider will be connected to. */
  account?: string;
  code: string;
  codeHash: string;
  expiresAt: number;
  /** Set after a wrong user code (AUTH-1009). */
  wrongCode?: { attemptsLeft: number };
}

/**
 * `GET /web/provider-auth/{provider}?code=`: a loopback handshake leaves for the provider at once, and only once
 * (AUTH-1008 for a second visit); a poll-mode one shows the confirmation page.
 */
export async function visitHandshake(rt: Runtime, request: { provider: string; code?: string }): Promise<VisitOutcome> {
  const { code, codeHash } = handshakeCode(request.code, 'AUTH-1002');
  const nonce = randomToken(32);
  const visit = await rt.handshakes.beginVisit(codeHash, { provider: request.provider, mode: 'loopback', nonceHash: sha256(nonce) });
  if (visit.done) return toProvider(rt, visit.record, code, nonce);
  const record = awaitingConfirmation(rt, visit.current, request.provider);
  return { kind: 'confirm', view: confirmationView(record, code) };
}

/**
 * `POST /web/provider-auth/{provider}` (poll mode): the right user code leaves for the provider; a wrong one
 * shows the page again (AUTH-1009) until the fifth, which fails the handshake (AUTH-1010). The caller has
 * checked that the form came from our page in this browser (CSRF).
 */
export async function confirmUserCode(rt: Runtime, request: { provider: string; code?: string; userCode?: string }): Promise<VisitOutcome> {
  const { code, codeHash } = handshakeCode(request.code, 'AUTH-1002');
  const nonce = randomToken(32);
  const typed = userCodeHash(codeHash, request.userCode ?? '');
  const visit = await rt.handshakes.beginVisit(codeHash, { provider: request.provider, mode: 'poll', nonceHash: sha256(nonce), userCodeHash: typed });
  if (visit.done) return toProvider(rt, visit.record, code, nonce);
  awaitingConfirmation(rt, visit.current, request.provider);

  const counted = await rt.handshakes.countWrongUserCode(codeHash);
  const record = counted.done ? counted.record : awaitingConfirmation(rt, counted.current, request.provider);
  const attemptsLeft = MAX_USER_CODE_ATTEMPTS - record.attempts;
  rt.logger.info('wrong user code', { provider: record.provider, flow: record.flow, attemptsLeft });
  if (attemptsLeft <= 0) {
    // Only the write that counted the last try ends the handshake; a later one was refused above.
    rt.metrics.handshakeFailed({ provider: record.provider, flow: record.flow, mode: record.mode, errorCode: 'AUTH-1010' });
    throw new HandshakeError('AUTH-1010');
  }
  return { kind: 'confirm', view: { ...confirmationView(record, code), wrongCode: { attemptsLeft } } };
}

/** The record of a poll-mode handshake still waiting for its user code; the SPEC code for any other. */
function awaitingConfirmation(rt: Runtime, record: HandshakeRecord | undefined, provider: string): HandshakeRecord {
  if (!record || record.provider !== provider) throw new HandshakeError('AUTH-1002');
  if (rt.now() >= record.expiresAt) throw new HandshakeError('AUTH-1005');
  if (record.mode === 'poll' && record.attempts >= MAX_USER_CODE_ATTEMPTS) throw new HandshakeError('AUTH-1010');
  if (record.status !== 'created') throw new HandshakeError('AUTH-1008');
  if (record.mode !== 'poll') throw new HandshakeError('AUTH-1002');
  return record;
}

function confirmationView(record: HandshakeRecord, code: string): ConfirmationView {
  return {
    provider: record.provider,
    flow: record.flow,
    ...(record.client ? { client: record.client } : {}),
    ...(record.account ? { account: record.account } : {}),
    code,
    codeHash: record.codeHash,
    expiresAt: record.expiresAt,
  };
}

/**
 * Seals a single-use state for this visit (with a PKCE verifier towards the provider) and builds the
 * provider's authorize location. If the provider cannot be reached (discovery, OAuth 1.0a temporary
 * credentials), the visit is given back, so the same link can be tried again.
 */
async function toProvider(rt: Runtime, record: HandshakeRecord, code: string, nonce: string): Promise<VisitOutcome> {
  try {
    const provider = await rt.providers.resolve(record.provider, record.host);
    const redirectUri = redirectUriFor(rt.config, provider.row.id);
    const pkceVerifier = provider.row.pkce ? createPkceVerifier() : undefined;
    const now = rt.now();
    const state = await sealState(
      { flow: record.flow, provider: provider.row.id, host: provider.host, handshakeCode: code, nonce, pkceVerifier, redirectUri },
      { key: rt.keys.state, environment: rt.config.environment, now },
      // A state never outlives its handshake.
      Math.max(1, Math.floor((record.expiresAt - now) / 1000)),
    );
    const location = await authorizeLocation(provider, { state, redirectUri, pkceVerifier }, rt.http, now);
    rt.logger.info('handshake at provider', { provider: provider.row.id, flow: record.flow, mode: record.mode });
    return { kind: 'to-provider', location, provider: provider.row.id, nonce };
  } catch (err) {
    await rt.handshakes.abandonVisit(record.codeHash, sha256(nonce)).catch(() => undefined);
    throw err;
  }
}
