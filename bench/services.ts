import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastClient } from '../local/fast-provider';
import { PROJECT_ROOT } from './setup';
import type { ServicesAnswer, ServicesReady, ServicesRequest } from './services-process';

export interface BenchServices {
  dynamoEndpoint: string;
  /** The fast local OAuth/OIDC provider's origin (also its issuer). */
  providerUrl: string;
  wsUrl: string;
  /** The me-channel management API (`MECHANNEL_ENDPOINT`). */
  managementUrl: string;
  /** Opens `count` more me-channel sockets with this session token (in the services process). */
  openSockets(sessionToken: string, count: number): Promise<number>;
  /** Messages received so far by each open socket. */
  received(): Promise<number[]>;
  closeSockets(): Promise<void>;
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** Environment of the gateway's `$connect`/`$disconnect` handlers: table, keys, environment name. */
  env: Record<string, string>;
  clients: FastClient[];
}

const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 60_000;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * Starts `bench/services-process.ts` (dynalite, the fast provider, the me-channel gateway) in a child process
 * and talks to it over IPC. Every request is bounded; `close()` stops the child, and kills it if it lingers.
 *
 * @example
 * const services = await startServices({ env: { TABLE_NAME, HANDSHAKE_KEYS, ... }, clients });
 * await services.openSockets(sessionToken, 10);
 */
export async function startServices(options: ServicesOptions): Promise<BenchServices> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./services-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, POWERTOOLS_LOG_LEVEL: 'WARN', ...options.env, BENCH_CLIENTS: JSON.stringify(options.clients) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });

  const ready = await new Promise<ServicesReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench services did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);
    child.once('message', (message: ServicesReady) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench services exited with ${code}\n${stderr}`));
    });
  }).catch((err) => {
    child.kill();
    throw err;
  });

  let nextId = 1;
  const pending = new Map<number, { resolve: (answer: ServicesAnswer) => void; reject: (err: Error) => void }>();
  child.on('message', (answer: ServicesAnswer) => {
    const waiter = pending.get(answer.id);
    pending.delete(answer.id);
    if (!waiter) return;
    if (answer.ok) waiter.resolve(answer);
    else waiter.reject(new Error(`bench services: ${answer.error}`));
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`bench services exited with ${code}\n${stderr}`));
    pending.clear();
  });

  const request = (body: WithoutId<ServicesRequest>): Promise<ServicesAnswer> => {
    const id = nextId++;
    return new Promise<ServicesAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`bench services: ${body.op} timed out`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, {
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      child.send({ id, ...body } as ServicesRequest);
    });
  };

  return {
    dynamoEndpoint: ready.dynamoEndpoint,
    providerUrl: ready.providerUrl,
    wsUrl: ready.wsUrl,
    managementUrl: ready.managementUrl,
    openSockets: async (sessionToken, count) => (await request({ op: 'open', sessionToken, count })).opened!,
    received: async () => (await request({ op: 'received' })).received!,
    closeSockets: async () => void (await request({ op: 'close-sockets' })),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await Promise.race([request({ op: 'stop' }).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
