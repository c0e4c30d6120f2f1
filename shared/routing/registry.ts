import { readdir, readFile } from 'node:fs/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { AWS_CALL_BOUNDS } from '../aws-call-bounds';
import { isEnvironmentName } from '../state';

/**
 * The environment registry: `runTimeEnvironment → publicApiUrl`, written by each environment's deployment
 * (SSM `/handshake/environments/<name>`; a JSON file on a laptop) and read by the auth origin.
 */
export interface EnvironmentRegistry {
  /** The environment's public API URL, or undefined when no such environment is registered. */
  lookup(environment: string): Promise<string | undefined>;
}

/** A registered environment is seen at most this long after it is deployed, and a removed one forgotten. */
const REFRESH_MS = 60_000;
/** An unknown name may reload the registry early (a branch deployed a moment ago), at most this often. */
const MISS_RELOAD_MS = 5_000;
/** Unknown names remembered until the next refresh; the oldest is forgotten first. Registered ones are kept apart. */
const UNKNOWN_NAMES_LIMIT = 1_000;

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

export interface LoadedRegistryOptions {
  refreshMs?: number;
  missReloadMs?: number;
  unknownLimit?: number;
  now?: () => number;
}

/**
 * The whole registry, loaded in one read and refreshed every minute (on the first lookup after that: a Lambda
 * container is frozen between requests, so a timer would not fire). A name it does not hold may reload it
 * early, once per 5 s at most whatever the name, then is remembered as unknown (bounded, apart from the
 * registered names, so a flood of made-up names can neither cost a read each nor push a real one out).
 * Malformed names never get that far. Loads in flight are shared.
 *
 * @example
 * const registry = new LoadedRegistry(async () => new Map([['prod', 'https://api.example.com']]));
 * await registry.lookup('prod'); // 'https://api.example.com'
 */
export class LoadedRegistry implements EnvironmentRegistry {
  private entries = new Map<string, string>();
  private loadedAt = -Infinity;
  private attemptedAt = -Infinity;
  private loading?: Promise<void>;
  private readonly unknown = new Map<string, number>();
  private readonly refreshMs: number;
  private readonly missReloadMs: number;
  private readonly unknownLimit: number;
  private readonly now: () => number;
  /** Loads so far (the flood test counts them), and those that failed. */
  loads = 0;
  failures = 0;

  constructor(
    private readonly load: () => Promise<Map<string, string>>,
    options: LoadedRegistryOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? REFRESH_MS;
    this.missReloadMs = options.missReloadMs ?? MISS_RELOAD_MS;
    this.unknownLimit = options.unknownLimit ?? UNKNOWN_NAMES_LIMIT;
    this.now = options.now ?? Date.now;
  }

  async lookup(environment: string): Promise<string | undefined> {
    if (!isEnvironmentName(environment)) return undefined;
    const mayRead = () => this.now() - this.attemptedAt >= this.missReloadMs;
    const stale = this.now() - this.loadedAt >= this.refreshMs && mayRead();
    if (stale) await this.reload();
    // Never loaded, and the last try failed a moment ago: unknown is not the answer, unavailable is.
    else if (this.loadedAt === -Infinity) throw new Error('the environment registry could not be read');
    const url = this.entries.get(environment);
    if (url !== undefined) return url;
    const knownUnknown = this.unknown.get(environment);
    if (knownUnknown !== undefined && knownUnknown >= this.loadedAt) return undefined;
    if (!stale && mayRead()) {
      await this.reload();
      const fresh = this.entries.get(environment);
      if (fresh !== undefined) return fresh;
    }
    this.remember(environment);
    return undefined;
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      this.attemptedAt = this.now();
      try {
        this.loads++;
        const loaded = await this.load();
        const entries = new Map<string, string>();
        for (const [name, value] of loaded) {
          const url = checkedApiUrl(value);
          if (isEnvironmentName(name) && url) entries.set(name, url);
        }
        this.entries = entries;
        this.loadedAt = this.now();
      } catch (err) {
        // Nothing to answer from yet: the caller fails (SRV-1000). Otherwise the last good entries keep
        // answering, and the next attempt waits MISS_RELOAD_MS like any other.
        this.failures++;
        if (this.loadedAt === -Infinity) throw err;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private remember(environment: string): void {
    this.unknown.delete(environment);
    if (this.unknown.size >= this.unknownLimit) this.unknown.delete(this.unknown.keys().next().value!);
    this.unknown.set(environment, this.loadedAt);
  }
}

/**
 * The registry in SSM Parameter Store: one String parameter per environment under `path`, all read with
 * GetParametersByPath (10 per page: Powertools follows the pages).
 */
export async function ssmRegistry(path: string, options: LoadedRegistryOptions & { client?: SSMClient } = {}): Promise<LoadedRegistry> {
  const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
  const ssm = new SSMProvider(options.client ? { awsSdkV3Client: options.client } : { clientConfig: { ...AWS_CALL_BOUNDS } });
  return new LoadedRegistry(async () => {
    const values = (await ssm.getMultiple(path, { recursive: false, forceFetch: true })) as Record<string, unknown>;
    return new Map(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }, options);
}

/**
 * The registry as a folder with one file per environment (`<dir>/<environment>` holding its URL), shared by
 * local stacks: each writes only its own file, so stacks starting together cannot lose each other's entry.
 * Read whole on every lookup: a laptop's stacks come and go, and a folder costs nothing to read.
 */
export function directoryRegistry(dir: string): EnvironmentRegistry {
  return new LoadedRegistry(
    async () => {
      const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
      const entries = new Map<string, string>();
      for (const name of names.filter(isEnvironmentName)) {
        const value = await readFile(join(dir, name), 'utf8').catch(() => undefined);
        if (value !== undefined) entries.set(name, value.trim());
      }
      return entries;
    },
    { refreshMs: 0, missReloadMs: 0 },
  );
}
