import { mkdir } from 'node:fs/promises';
import { AUTH_ORIGIN_ROUTES } from '../shared/routing/auth-origin-routes';
import { routerRuntimeFromEnv, setRouterRuntime } from '../shared/routing/router-runtime';
import { AUTH_ORIGIN_HANDLERS } from './handlers';
import { startHttpGateway } from './http-gateway';

/**
 * The auth origin on a loopback port: the shared callback and the interactive-components proxy, reading the
 * registry folder that local environments write to. It shares nothing else with them.
 */
export async function startAuthOrigin(options: { port?: number; registryDir: string; actionTimeoutMs?: number }) {
  await mkdir(options.registryDir, { recursive: true });
  setRouterRuntime(
    await routerRuntimeFromEnv({
      ENVIRONMENT_REGISTRY_DIR: options.registryDir,
      ...(options.actionTimeoutMs ? { ACTION_PROXY_TIMEOUT_MS: String(options.actionTimeoutMs) } : {}),
    }),
  );
  const gateway = await startHttpGateway({ port: options.port, handlers: AUTH_ORIGIN_HANDLERS, routes: AUTH_ORIGIN_ROUTES });
  return {
    url: gateway.url,
    async close() {
      await gateway.close();
      setRouterRuntime(undefined);
    },
  };
}
