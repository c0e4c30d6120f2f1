import { visitUrlFor } from '../config';
import { randomToken, sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import { canSignUp } from '../providers/catalog';
import type { Runtime } from '../runtime';
import type { Flow } from '../state';
import { HANDSHAKE_LIFETIME_MS, type ClientLabel } from '../stores/handshakes';
import { BASE64URL_32_BYTES } from './handshake-code';
import { parseLoopbackRedirect } from './loopback-redirect';
import { createUserCode, userCodeHash } from './user-code';

/** How often a poll-mode agent may claim (RFC 8628's default interval). */
export const POLL_INTERVAL_SECONDS = 5;

/** `POST /provider-auth-code`'s answer (SPEC, "Start"). */
export interface StartAnswer {
  /** The handshake id: ≥ 128 bits, base64url; only its SHA-256 is stored. */
  code: string;
  /** Where the agent sends the browser. */
  url: string;
  /** Poll mode: what the person types on the confirmation page, `XXXX-XXXX`. */
  userCode?: string;
  /** ms since the epoch. */
  expiresAt: number;
  interval: number;
}

interface StartRequest {
  provider: string;
  flow: Flow;
  host?: string;
  challenge: string;
  redirectUri?: string;
  client?: ClientLabel;
}

/** base64url(SHA-256(verifier)): 43 characters, the shape of a handshake code too. */
const CHALLENGE = BASE64URL_32_BYTES;
/** Printable text a page can show: letters, marks, digits, punctuation, symbols and spaces; no controls or bidi overrides. */
const LABEL = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]{1,40}$/u;

/**
 * `POST /provider-auth-code`: starts a handshake bound to the agent that sends it (SPEC, "The binding rule").
 * Connect needs the Bearer session of the user to connect; sign-up needs none. The agent keeps the verifier
 * behind `challenge`: only a claim with it can collect the result. Nothing is sent to the provider yet.
 *
 * @example
 * const { code, url, userCode } = await startHandshake(rt, bearer, { provider: 'github', flow: 'connect', challenge, challengeMethod: 'S256' });
 */
export async function startHandshake(rt: Runtime, sessionToken: string | undefined, body: Record<string, unknown>): Promise<StartAnswer> {
  const request = parseStartRequest(body);
  const session = request.flow === 'connect' ? await rt.sessions.verify(sessionToken) : undefined;
  const { row, host } = await rt.providers.check(request.provider, request.host);
  if (request.flow === 'signup' && !canSignUp(row)) throw new HandshakeError('USRC-1023', undefined, { provider: row.id });

  const code = randomToken(32);
  const codeHash = sha256(code);
  const userCode = request.redirectUri ? undefined : createUserCode();
  const now = rt.now();
  const expiresAt = now + HANDSHAKE_LIFETIME_MS;
  const mode = userCode ? 'poll' : 'loopback';
  await rt.handshakes.create({
    codeHash,
    flow: request.flow,
    provider: row.id,
    host,
    userId: session?.userId,
    account: session ? (session.account ?? session.userId) : undefined,
    challenge: request.challenge,
    mode,
    redirectUri: request.redirectUri,
    userCodeHash: userCode ? userCodeHash(codeHash, userCode) : undefined,
    client: request.client,
    createdAt: now,
    expiresAt,
  });
  rt.logger.info('handshake started', { provider: row.id, flow: request.flow, mode, userId: session?.userId });
  rt.metrics.handshakeStarted({ provider: row.id, flow: request.flow, mode });
  return {
    code,
    url: `${visitUrlFor(rt.config, row.id)}?code=${code}`,
    ...(userCode ? { userCode } : {}),
    expiresAt,
    interval: POLL_INTERVAL_SECONDS,
  };
}

function parseStartRequest(body: Record<string, unknown>): StartRequest {
  const { provider, flow, host, challenge, challengeMethod, redirectUri, client } = body;
  if (typeof provider !== 'string' || !provider || provider.length > 64) throw new HandshakeError('RAPI-1001', 'provider is required');
  if (flow !== 'connect' && flow !== 'signup') throw new HandshakeError('RAPI-1001', 'flow must be "connect" or "signup"');
  if (host !== undefined && (typeof host !== 'string' || host.length > 256)) throw new HandshakeError('RAPI-1001', 'host must be a string');
  if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) throw new HandshakeError('RAPI-1001', 'challenge must be base64url(SHA-256(verifier))');
  if (challengeMethod !== 'S256') throw new HandshakeError('RAPI-1001', 'challengeMethod must be "S256"');
  return {
    provider,
    flow,
    ...(host ? { host } : {}),
    challenge,
    ...(redirectUri !== undefined ? { redirectUri: parseLoopbackRedirect(redirectUri) } : {}),
    ...(client !== undefined ? { client: parseClient(client) } : {}),
  };
}

function parseClient(client: unknown): ClientLabel {
  if (!client || typeof client !== 'object' || Array.isArray(client)) throw new HandshakeError('RAPI-1001', 'client must be an object');
  const label = (name: 'name' | 'device') => {
    const value = (client as Record<string, unknown>)[name];
    if (value === undefined) return {};
    if (typeof value !== 'string' || !LABEL.test(value.trim())) throw new HandshakeError('RAPI-1001', `client.${name} must be at most 40 printable characters`);
    return { [name]: value.trim() };
  };
  return { ...label('name'), ...label('device') };
}
