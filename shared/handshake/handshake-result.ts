import type { ProviderIdentity } from '../providers/identity';
import type { ProviderToken } from '../providers/token-response';

/**
 * What the callback obtained from the provider, kept encrypted on the handshake record until the agent that
 * started the handshake claims it (SPEC, "The binding rule" 2: nothing is committed before).
 */
export interface HandshakeResult {
  /**
   * The token as it will be stored; `data` names the provider account (`userId`, `username`, `email`, and
   * `account: {id, name}`) and keeps the identity's facts (`cloudIds`, `tenantId`).
   */
  token: ProviderToken;
  /** Always there for a sign-up; a connect whose identity call failed goes on without it. */
  identity?: ProviderIdentity;
}
