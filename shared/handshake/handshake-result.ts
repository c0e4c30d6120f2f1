import type { ProviderIdentity } from '../providers/identity';
import type { ProviderToken } from '../providers/token-response';

/**
 * What the callback obtained from the provider, kept encrypted on the handshake record until the agent that
 * started the handshake claims it (SPEC, "The binding rule" 2: nothing is committed before).
 */
export interface HandshakeResult {
  /** The token as it will be stored; `data` names the provider account (`userId`, `username`, `email`). */
  token: ProviderToken;
  identity: ProviderIdentity;
}
