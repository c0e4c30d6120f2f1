import type { Logger } from '@aws-lambda-powertools/logger';
import { configFromEnv, type HandshakeConfig } from './config';
import { absentKeyRing, parseKeyRing, type KeyRing } from './crypto/keys';
import { serviceLogger } from './log';
import { noMetrics, powertoolsMetrics, type HandshakeMetrics } from './metrics';
import { readSecretJson } from './secret-json';
import type { MeChannel } from './me-channel';
import { ProviderDirectory } from './providers/directory';
import { defaultProviderHttp, type ProviderHttp } from './providers/http';
import { StaticSettings, type SettingsSource } from './providers/settings';
import { SessionService } from './sessions';
import { ConnectionStore } from './stores/connections';
import { HandshakeStore } from './stores/handshakes';
import { createDocumentClient, LOCAL_AWS, type Table } from './stores/table';
import { TokenStore } from './stores/tokens';
import { UserStore } from './stores/users';
import { containerTracer, ssmProvider } from './tracing';

/** Everything a flow needs, built once per Lambda container (or per test) and passed in. */
export interface Runtime {
  config: HandshakeConfig;
  keys: KeyRing;
  table: Table;
  users: UserStore;
  tokens: TokenStore;
  handshakes: HandshakeStore;
  connections: ConnectionStore;
  /** Session tokens and records of this environment, on its clock. */
  sessions: SessionService;
  /** Absent where this function does not publish (no MECHANNEL_ENDPOINT). */
  meChannel?: MeChannel;
  providers: ProviderDirectory;
  settings: SettingsSource;
  http: ProviderHttp;
  logger: Logger;
  /** The service's metrics, written once per invocation by the handler wrappers. */
  metrics: HandshakeMetrics;
  now: () => number;
}

export interface RuntimeParts {
  config: HandshakeConfig;
  keys: KeyRing;
  table: Omit<Table, 'now'>;
  settings: SettingsSource;
  http?: ProviderHttp;
  logger?: Logger;
  /** Records nothing without it (tests); runtimeFromEnv passes Powertools' EMF metrics. */
  metrics?: HandshakeMetrics;
  /** Wraps each AWS client the runtime makes itself (tracing); the table client comes made, in `table`. */
  instrumentAws?: <T>(client: T) => T;
  now?: () => number;
  /** The me-channel management endpoint; publishing is off without it. */
  meChannelEndpoint?: string;
  /** Credentials and region for local endpoints (dynalite, the local gateway), which check neither. */
  localAws?: boolean;
}

/** Wires the stores and directories from their parts; tests pass emulator clients and a fixed clock here. */
export async function createRuntime(parts: RuntimeParts): Promise<Runtime> {
  const now = parts.now ?? Date.now;
  const table: Table = { ...parts.table, now };
  const http = parts.http ?? defaultProviderHttp();
  const logger = parts.logger ?? serviceLogger();
  const metrics = parts.metrics ?? noMetrics;
  const instrument = parts.instrumentAws ?? (<T>(client: T) => client);
  const connections = new ConnectionStore(table);
  let meChannel: MeChannel | undefined;
  if (parts.meChannelEndpoint) {
    // Evaluated only by the functions that publish. A single-file bundle still carries the client's code
    // (parsed at init, measured by npm run bench), but the others never run its module initialisation.
    const { MeChannel, createManagementClient } = await import('./me-channel');
    meChannel = new MeChannel(connections, instrument(createManagementClient(parts.meChannelEndpoint, parts.localAws ? LOCAL_AWS : {})), logger, metrics);
  }
  return {
    config: parts.config,
    keys: parts.keys,
    table,
    users: new UserStore(table, parts.keys),
    tokens: new TokenStore(table, parts.keys),
    handshakes: new HandshakeStore(table, parts.keys),
    connections,
    sessions: new SessionService(table, parts.keys, parts.config.environment),
    meChannel,
    providers: new ProviderDirectory(parts.settings, http),
    settings: parts.settings,
    http,
    logger,
    metrics,
    now,
  };
}

/**
 * Builds the runtime from environment variables: keys (where given) and provider settings from the variables themselves
 * (local stack) or from SSM Parameter Store (AWS), the table from TABLE_NAME (and DYNAMODB_ENDPOINT locally).
 * Metrics are Powertools' EMF lines (namespace POWERTOOLS_METRICS_NAMESPACE, default `Handshake`; none with
 * POWERTOOLS_METRICS_DISABLED=true); with POWERTOOLS_TRACE_ENABLED=true every AWS client is traced.
 */
export async function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const config = configFromEnv(env);
  if (!env.TABLE_NAME) throw new Error('TABLE_NAME is required');
  const tracer = await containerTracer(env);
  const instrumentAws = tracer ? <T>(client: T) => tracer.captureAWSv3Client(client) : undefined;
  // Functions that use no key are deployed without the key ring (and without the right to read it).
  const keys = env.HANDSHAKE_KEYS || env.HANDSHAKE_KEYS_PARAMETER ? parseKeyRing(await readSecretJson(env, 'HANDSHAKE_KEYS')) : absentKeyRing();
  let settings: SettingsSource;
  if (env.PROVIDERS_PARAMETER_PATH) {
    const { SsmSettings } = await import('./providers/ssm-settings');
    settings = new SsmSettings(env.PROVIDERS_PARAMETER_PATH, await ssmProvider(env));
  } else {
    settings = StaticSettings.fromJson(env.PROVIDERS_CONFIG);
  }
  const endpoint = env.DYNAMODB_ENDPOINT;
  const client = createDocumentClient(endpoint ? { endpoint, ...LOCAL_AWS } : {});
  const timeoutMs = Number(env.PROVIDER_HTTP_TIMEOUT_MS ?? 10_000);
  const logger = serviceLogger();
  return createRuntime({
    config,
    keys,
    // The document client shares its middleware stack with the DynamoDB client inside it: this traces both.
    table: { client: instrumentAws ? instrumentAws(client) : client, name: env.TABLE_NAME },
    settings,
    http: defaultProviderHttp(timeoutMs),
    logger,
    metrics: powertoolsMetrics({ environment: config.environment, namespace: env.POWERTOOLS_METRICS_NAMESPACE, logger }),
    instrumentAws,
    meChannelEndpoint: env.MECHANNEL_ENDPOINT,
    localAws: Boolean(endpoint),
  });
}

let current: Promise<Runtime> | undefined;

/** The container's runtime, built on first use; a failed build is retried on the next invocation. */
export function getRuntime(): Promise<Runtime> {
  if (!current) {
    current = runtimeFromEnv();
    current.catch(() => {
      current = undefined;
    });
  }
  return current;
}

/** Replaces the container's runtime (the local gateway and tests use this); undefined resets it. */
export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime ? Promise.resolve(runtime) : undefined;
}
