import { parseKeyRing } from '../crypto/keys';
import { readSecretJson } from '../secret-json';

/** The key and environment the success page opens its sealed summary with. */
export interface PageKeys {
  key: Uint8Array;
  environment: string;
}

let pending: Promise<PageKeys | undefined> | undefined;

/**
 * The pages' key, read once per container from the key ring, without the rest of the runtime (no table, no
 * AWS SDK beyond the SSM read), so the pages keep their small bundle. Undefined where there is no key ring
 * (the auth origin): its success page is then neutral. A failed read is tried again on the next request.
 */
export function pageKeys(env: NodeJS.ProcessEnv = process.env): Promise<PageKeys | undefined> {
  if (!pending && (!env.RUN_TIME_ENVIRONMENT || (!env.HANDSHAKE_KEYS && !env.HANDSHAKE_KEYS_PARAMETER))) return Promise.resolve(undefined);
  pending ??= readSecretJson(env, 'HANDSHAKE_KEYS').then((json) => ({ key: parseKeyRing(json).pages, environment: env.RUN_TIME_ENVIRONMENT! }));
  const keys = pending;
  return keys.catch(() => {
    if (pending === keys) pending = undefined;
    return undefined;
  });
}

/**
 * Replaces the container's page keys (tests that build their runtime in process pass its keys); undefined
 * forgets them, so they are read from the environment again (the local stack sets new variables).
 */
export function setPageKeys(keys: PageKeys | undefined): void {
  pending = keys ? Promise.resolve(keys) : undefined;
}
