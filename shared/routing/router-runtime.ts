import { stat } from 'node:fs/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import { serviceLogger } from '../log';
import { ssmProvider } from '../tracing';
import { ACTION_PROXY_TIMEOUT_MS } from './action-proxy';
import { directoryRegistry, ssmRegistry, type EnvironmentRegistry } from './registry';

/** What the auth origin needs: no table, no keys; only the registry and a bounded HTTP client. */
export interface RouterRuntime {
  registry: EnvironmentRegistry;
  fetch: typeof fetch;
  actionTimeoutMs: number;
  logger: Logger;
}

/** The auth origin's logger: the router runtime's, and there before it (a registry that fails to load is logged). */
export const routerLogger = () => serviceLogger('handshake-auth-origin');

/**
 * From `ENVIRONMENT_REGISTRY_PATH` (the SSM path, in AWS) or `ENVIRONMENT_REGISTRY_DIR` (a folder, locally).
 * Without either, or with a folder that does not exist, the auth origin refuses to start with a clear error.
 */
export async function routerRuntimeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RouterRuntime> {
  let registry: EnvironmentRegistry;
  if (env.ENVIRONMENT_REGISTRY_PATH) {
    registry = await ssmRegistry(env.ENVIRONMENT_REGISTRY_PATH.replace(/\/+$/, ''), { client: (await ssmProvider(env)).client });
  } else if (env.ENVIRONMENT_REGISTRY_DIR) {
    const dir = env.ENVIRONMENT_REGISTRY_DIR;
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new Error(`the environment registry folder ${dir} does not exist`);
    registry = directoryRegistry(dir);
  } else {
    throw new Error('the auth origin needs ENVIRONMENT_REGISTRY_PATH (SSM) or ENVIRONMENT_REGISTRY_DIR (local)');
  }
  return { registry, fetch: globalThis.fetch, actionTimeoutMs: Number(env.ACTION_PROXY_TIMEOUT_MS ?? ACTION_PROXY_TIMEOUT_MS), logger: routerLogger() };
}

let current: Promise<RouterRuntime> | undefined;

export function getRouterRuntime(): Promise<RouterRuntime> {
  if (!current) {
    current = routerRuntimeFromEnv();
    current.catch(() => {
      current = undefined;
    });
  }
  return current;
}

export function setRouterRuntime(runtime: RouterRuntime | undefined): void {
  current = runtime ? Promise.resolve(runtime) : undefined;
}
