import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isEnvironmentName } from '../state';

/**
 * The environment registry: `runTimeEnvironment → publicApiUrl`, written by each environment's deployment
 * (SSM `/handshake/environments/<name>`; a JSON file on a laptop) and read by the auth origin.
 */
export interface EnvironmentRegistry {
  /** The environment's public API URL, or undefined when no such environment is registered. */
  lookup(environment: string): Promise<string | undefined>;
}

const CACHE_MS = 60_000;
const NEGATIVE_CACHE_LIMIT = 1_000;

/**
 * Registry entries are URLs we redirect browsers to, so even a registered value is checked: an absolute
 * https URL (http on loopback only, for local stacks), no credentials, query or fragment.
 */
export function checkedApiUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  return url.toString().replace(/\/+$/, '');
}

/**
 * Caches answers, including "not registered" (bounded), so a flood of callbacks for made-up environments
 * cannot turn into a flood of SSM calls; malformed names never reach the backing store.
 */
export class CachedRegistry implements EnvironmentRegistry {
  private readonly cache = new Map<string, { at: number; url: string | undefined }>();

  constructor(
    private readonly read: (environment: string) => Promise<string | undefined>,
    private readonly cacheMs = CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(environment: string): Promise<string | undefined> {
    if (!isEnvironmentName(environment)) return undefined;
    const hit = this.cache.get(environment);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.url;
    const url = checkedApiUrl(await this.read(environment));
    if (url === undefined && this.cache.size >= NEGATIVE_CACHE_LIMIT) this.cache.clear();
    this.cache.set(environment, { at: this.now(), url });
    return url;
  }
}

/** The registry in SSM Parameter Store: one String parameter per environment under `path`. */
export async function ssmRegistry(path: string): Promise<EnvironmentRegistry> {
  const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
  const { ParameterNotFoundError } = await import('@aws-lambda-powertools/parameters/errors');
  const ssm = new SSMProvider();
  return new CachedRegistry(async (environment) => {
    try {
      return await ssm.get(`${path}/${environment}`, { maxAge: 60, throwOnMissing: true });
    } catch (err) {
      if (err instanceof ParameterNotFoundError) return undefined;
      throw err;
    }
  });
}

/**
 * The registry as a folder with one file per environment (`<dir>/<environment>` holding its URL), shared by
 * local stacks: each writes only its own file, so stacks starting together cannot lose each other's entry.
 */
export function directoryRegistry(dir: string): EnvironmentRegistry {
  return new CachedRegistry(async (environment) => {
    try {
      return (await readFile(join(dir, environment), 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }, 0);
}
