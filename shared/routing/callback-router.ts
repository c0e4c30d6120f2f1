import { HandshakeError } from '../errors';
import { stateEnvironment } from '../state';
import type { EnvironmentRegistry } from './registry';

const PROVIDER_ID = /^[a-z0-9_]{1,64}$/;

/**
 * The auth origin's callback: reads the readable environment prefix of `state`, looks the environment up
 * in the registry and sends the browser to the same path and query there. It holds no keys and decrypts
 * nothing; the environment itself checks the state. The target URL only ever comes from the registry.
 */
export async function routeCallback(registry: EnvironmentRegistry, provider: string, rawQueryString: string): Promise<string> {
  if (!PROVIDER_ID.test(provider)) throw new HandshakeError('PRVD-1000');
  const params = new URLSearchParams(rawQueryString);
  const states = params.getAll('state');
  const environment = states.length === 1 ? stateEnvironment(states[0]!) : undefined;
  if (!environment) throw new HandshakeError('ENV-1001');
  const target = await registry.lookup(environment);
  if (!target) throw new HandshakeError('ENV-1001');
  // Re-serialised, not copied: whatever the query held, it leaves percent-encoded.
  return `${target}/no-auth/provider-token/${provider}?${params.toString()}`;
}
