import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { FastClient } from '../local/fast-provider';
import { generateKeyRingJson, parseKeyRing, type KeyRing } from '../shared/crypto/keys';
import type { Runtime } from '../shared/runtime';
import { LOCAL_AWS } from '../shared/stores/table';
import { GRANT_PROVIDER } from './grant/handler';
import type { BrokerLib } from './lib';
import { startServices, type BenchServices } from './services';

/** The repository root. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const BENCH_ENVIRONMENT = 'bench';
/**
 * The broker's (and Grant's) public URL. Nothing listens there: the bench invokes the handlers in process, as
 * Lambda does, and only the provider's redirects name it.
 */
export const BENCH_API_URL = 'http://127.0.0.1:3999';
export const BENCH_TABLE = 'handshake-bench';
/** The catalog row the broker uses: generic OpenID Connect, discovered from the fast provider's issuer. */
export const OUR_PROVIDER = 'oidc';

/** Everything the in-process measurements share: the keys, the two OAuth clients, the services process. */
export interface BenchWorld {
  keys: KeyRing;
  services: BenchServices;
  ourClient: FastClient;
  grantClient: FastClient;
}

/** Starts the services process with one OAuth client for the broker and one for Grant. */
export async function startWorld(): Promise<BenchWorld> {
  const keysJson = JSON.stringify(generateKeyRingJson());
  const secret = () => randomBytes(24).toString('base64url');
  const ourClient: FastClient = { clientId: 'handshake-bench', clientSecret: secret(), redirectUris: [`${BENCH_API_URL}/no-auth/provider-token/${OUR_PROVIDER}`] };
  const grantClient: FastClient = { clientId: 'grant-bench', clientSecret: secret(), redirectUris: [`${BENCH_API_URL}/connect/${GRANT_PROVIDER}/callback`] };
  const services = await startServices({
    env: { RUN_TIME_ENVIRONMENT: BENCH_ENVIRONMENT, PUBLIC_API_URL: BENCH_API_URL, TABLE_NAME: BENCH_TABLE, HANDSHAKE_KEYS: keysJson, PROVIDERS_CONFIG: '{}' },
    clients: [ourClient, grantClient],
  });
  return { keys: parseKeyRing(keysJson), services, ourClient, grantClient };
}

/**
 * What the table client sends, measured by a middleware around each command: commands by name
 * (`PutItemCommand`, `QueryCommand`, ...), the CPU of this process spent inside them (marshalling, signing,
 * HTTP, parsing: in a sequential run nothing else runs meanwhile), and the conditional writes that asked for the
 * blocking item (ReturnValuesOnConditionCheckFailure) and did not get it, which DynamoDB returns and dynalite
 * does not, so that the code reads the item with one more command.
 */
export class CommandMeter {
  private counts = new Map<string, number>();
  private missingOldItems = 0;
  cpuUs = 0;
  wallMs = 0;

  add(command: string): void {
    this.counts.set(command, (this.counts.get(command) ?? 0) + 1);
  }

  emulatorOmittedOldItem(): void {
    this.missingOldItems++;
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** The counts since the last take, and starts again from zero (CPU and wall time go on adding up). */
  take(): { commands: Record<string, number>; emulatorOmittedOldItem: number } {
    const commands = Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
    const emulatorOmittedOldItem = this.missingOldItems;
    this.counts.clear();
    this.missingOldItems = 0;
    return { commands, emulatorOmittedOldItem };
  }
}

/**
 * The broker's runtime, installed as the runtime of all of `lib`'s handlers: what the production containers of
 * the handshake's handlers have between them (table, keys, the `oidc` row pointed at the fast provider, the
 * me-channel on for the claim's publish). With `meter`, every command of the table client is counted and timed.
 */
export async function installRuntime(world: BenchWorld, lib: BrokerLib, meter?: CommandMeter): Promise<Runtime> {
  const client = lib.createDocumentClient({ endpoint: world.services.dynamoEndpoint, ...LOCAL_AWS });
  if (meter) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        meter.add(context.commandName ?? 'unknown');
        const cpu = process.cpuUsage();
        const started = performance.now();
        try {
          return await next(args);
        } catch (err) {
          const input = args.input as { ReturnValuesOnConditionCheckFailure?: string };
          const failure = err as { name?: string; Item?: unknown };
          if (failure.name === 'ConditionalCheckFailedException' && input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && !failure.Item) meter.emulatorOmittedOldItem();
          throw err;
        } finally {
          const { user, system } = process.cpuUsage(cpu);
          meter.cpuUs += user + system;
          meter.wallMs += performance.now() - started;
        }
      },
      { step: 'initialize', name: 'benchCommandMeter' },
    );
  }
  const rt = await lib.createRuntime({
    config: { environment: BENCH_ENVIRONMENT, publicApiUrl: BENCH_API_URL, callbackBaseUrl: BENCH_API_URL },
    keys: world.keys,
    table: { client, name: BENCH_TABLE },
    settings: new lib.StaticSettings({ [OUR_PROVIDER]: { issuer: world.services.providerUrl, clientId: world.ourClient.clientId, clientSecret: world.ourClient.clientSecret } }),
    meChannelEndpoint: world.services.managementUrl,
    localAws: true,
  });
  lib.setRuntime(rt);
  return rt;
}

/**
 * Replaces stdout's write with a byte counter while the handlers run in this process: their log lines are
 * still formatted (that CPU is part of what is measured), just not written over the bench's tables.
 */
export function swallowStdout() {
  const write = process.stdout.write;
  const counting = ((chunk: string | Uint8Array) => {
    sink.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }) as typeof process.stdout.write;
  const sink = {
    bytes: 0,
    /** Runs `print` with the real stdout. */
    aside(print: () => void) {
      process.stdout.write = write;
      try {
        print();
      } finally {
        process.stdout.write = counting;
      }
    },
    restore() {
      process.stdout.write = write;
    },
  };
  process.stdout.write = counting;
  return sink;
}
