import { redirectUriFor } from '../config';
import { createPkceVerifier } from '../crypto/pkce';
import { randomToken, sha256 } from '../crypto/random';
import { HandshakeError } from '../errors';
import { bindingCookie } from '../http/binding-cookie';
import { authorizeLocation } from '../providers/grant';
import type { Runtime } from '../runtime';
import { sealState } from '../state';
import { redeemAuthCode } from '../stores/auth-codes';

export interface StartRequest {
  provider: string;
  /** Connect flow: the code from `GET /provider-auth-code`. */
  code?: string;
  /** Sign-up flow: the agent's random sign-up token. */
  signupToken?: string;
  host?: string;
}

export interface StartResult {
  /** The provider's authorize URL. */
  location: string;
  /** The browser binding cookie (Set-Cookie value). */
  cookie: string;
}

/** At least 128 bits of randomness in any common encoding (a UUID, 32 hex, 22+ base64url) and URL-safe. */
const SIGNUP_TOKEN = /^[A-Za-z0-9._~-]{32,256}$/;
const AUTH_CODE = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * `GET /web/provider-auth/{provider}`: checks the request, names the user (connect) or notes the pending
 * sign-up, seals a single-use state with a PKCE verifier, and sends the browser to the provider.
 */
export async function startHandshake(rt: Runtime, request: StartRequest): Promise<StartResult> {
  const { code, signupToken } = request;
  if (Boolean(code) === Boolean(signupToken)) throw new HandshakeError('RAPI-1001', 'Exactly one of code or signupToken is required');
  if (code !== undefined && !AUTH_CODE.test(code)) throw new HandshakeError('AUTH-1002');
  if (signupToken !== undefined && !SIGNUP_TOKEN.test(signupToken)) throw new HandshakeError('RAPI-1001', 'signupToken must be 32-256 URL-safe characters');

  // Resolve the provider before any write, so a bad provider or host does not spend the agent's code.
  const provider = await rt.providers.resolve(request.provider, request.host || undefined);
  const redirectUri = redirectUriFor(rt.config, provider.row.id);
  const nonce = randomToken(32);
  const pkceVerifier = provider.row.pkce ? createPkceVerifier() : undefined;

  let userId: string | undefined;
  let signupTokenHash: string | undefined;
  if (code) {
    userId = await redeemAuthCode(rt.table, code);
  } else {
    signupTokenHash = sha256(signupToken!);
    await rt.signups.markPending(signupTokenHash);
  }

  const state = await sealState(
    { flow: code ? 'connect' : 'signup', provider: provider.row.id, host: provider.host, userId, signupTokenHash, nonce, pkceVerifier, redirectUri },
    { key: rt.keys.state, environment: rt.config.environment, now: rt.now() },
  );
  return {
    location: await authorizeLocation(provider, { state, redirectUri, pkceVerifier }, rt.http, rt.now()),
    cookie: bindingCookie(rt.config, provider.row.id, nonce),
  };
}
