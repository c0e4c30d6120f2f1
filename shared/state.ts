import { EncryptJWT, jwtDecrypt, errors as joseErrors } from 'jose';
import { isEnvironmentName } from './environment-name';
import { HandshakeError } from './errors';

/** The longest a state may live (SPEC: at most 10 minutes). */
export const STATE_MAX_LIFETIME_SECONDS = 600;
/** Anything longer is not ours: refuse before spending time on it. */
const STATE_MAX_LENGTH = 4096;

export type Flow = 'connect' | 'signup';

/** What the sealed half of the state carries (SPEC, "The state parameter"). */
export interface StateClaims {
  flow: Flow;
  provider: string;
  /** Enterprise or per-org host (normalised origin), absent for the provider's public host. */
  host?: string;
  /**
   * The handshake this provider visit belongs to (its code, which only the starting agent and this browser
   * have seen): the callback finds the record by its SHA-256 and gives the code back on the loopback redirect.
   */
  handshakeCode: string;
  nonce: string;
  pkceVerifier?: string;
  /** The redirect_uri sent at authorize time; the exchange must send the same one. */
  redirectUri: string;
}

export interface OpenedState extends StateClaims {
  environment: string;
  issuedAt: number;
  expiresAt: number;
}

export interface StateContext {
  key: Uint8Array;
  environment: string;
  /** Milliseconds since the epoch. */
  now: number;
}

export { isEnvironmentName };

/**
 * Seals claims into `<runTimeEnvironment>!<JWE>`. The environment stays readable for routers and is also
 * sealed inside, so a state cannot be moved to another environment by editing the prefix.
 *
 * @example
 * const state = await sealState({ flow: 'connect', provider: 'github', handshakeCode, nonce, redirectUri }, { key, environment: 'prod', now: Date.now() });
 */
export async function sealState(claims: StateClaims, ctx: StateContext, lifetimeSeconds = STATE_MAX_LIFETIME_SECONDS): Promise<string> {
  if (!isEnvironmentName(ctx.environment)) throw new Error(`invalid environment name ${ctx.environment}`);
  const iat = Math.floor(ctx.now / 1000);
  const jwe = await new EncryptJWT({
    flow: claims.flow,
    prv: claims.provider,
    ...(claims.host ? { host: claims.host } : {}),
    hsc: claims.handshakeCode,
    nonce: claims.nonce,
    ...(claims.pkceVerifier ? { pkv: claims.pkceVerifier } : {}),
    ruri: claims.redirectUri,
    env: ctx.environment,
  })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.min(lifetimeSeconds, STATE_MAX_LIFETIME_SECONDS))
    .encrypt(ctx.key);
  return `${ctx.environment}!${jwe}`;
}

/** The readable environment prefix, or undefined when the state is not shaped like ours. */
export function stateEnvironment(state: string): string | undefined {
  if (state.length > STATE_MAX_LENGTH) return undefined;
  const bang = state.indexOf('!');
  if (bang <= 0) return undefined;
  const environment = state.slice(0, bang);
  return isEnvironmentName(environment) ? environment : undefined;
}

/**
 * Opens a state for `provider` on this environment. Throws AUTH-1005 when expired and AUTH-1002 for
 * anything else: another environment, another provider, tampering, truncation, or not a state at all.
 */
export async function openState(state: string, provider: string, ctx: StateContext): Promise<OpenedState> {
  const environment = stateEnvironment(state);
  if (environment !== ctx.environment) throw new HandshakeError('AUTH-1002', 'The sign-in request belongs to another environment');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtDecrypt(state.slice(environment.length + 1), ctx.key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      currentDate: new Date(ctx.now),
      requiredClaims: ['iat', 'exp'],
      clockTolerance: 0,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new HandshakeError('AUTH-1005');
    throw new HandshakeError('AUTH-1002');
  }
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  const str = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const flow = str('flow');
  if (
    payload.env !== ctx.environment ||
    (flow !== 'connect' && flow !== 'signup') ||
    !str('nonce') ||
    !str('ruri') ||
    !str('hsc') ||
    exp - iat > STATE_MAX_LIFETIME_SECONDS ||
    iat * 1000 > ctx.now + 60_000
  ) {
    throw new HandshakeError('AUTH-1002');
  }
  if (str('prv') !== provider) throw new HandshakeError('AUTH-1002', 'The sign-in request was made for another provider');
  return {
    environment,
    flow,
    provider,
    host: str('host'),
    handshakeCode: str('hsc')!,
    nonce: str('nonce')!,
    pkceVerifier: str('pkv'),
    redirectUri: str('ruri')!,
    issuedAt: iat,
    expiresAt: exp,
  };
}
