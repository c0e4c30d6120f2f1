import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyRingJson } from '../shared/crypto/keys';
import { findProviderRow } from '../shared/providers/catalog';
import { checkAllRowOptions } from '../shared/providers/row-options';
import type { ProvidersSettings } from '../shared/providers/settings';
import { setPageKeys } from '../shared/http/page-keys';
import { setRuntime } from '../shared/runtime';
import type { DemoProvider } from './demo-provider';
import { ensureTable, startDynamoEmulator, type LocalDynamo } from './dynamodb';
import { startHttpGateway, type HttpGateway } from './http-gateway';
import { WEBSOCKET_HANDLERS } from './handlers';
import { startWebSocketGateway, type WebSocketGateway } from './websocket-gateway';

export interface LocalStackOptions {
  httpPort?: number;
  wsPort?: number;
  demoPort?: number;
  /** Where dynalite keeps its data and the key ring lives; in memory (and fresh keys) without it. */
  dataDir?: string;
  environment?: string;
  /** Provider settings to use instead of the built-in demo provider (which is then not started). */
  providers?: ProvidersSettings;
  /** The shared auth origin's URL, when providers call back there instead of here. */
  callbackBaseUrl?: string;
  /** A registry folder shared with an auth origin: this stack writes its own entry there. */
  registryDir?: string;
  /** The WebSocket gateway's idle close and connection cap (API Gateway's 10 minutes and 2 hours by default). */
  wsIdleTimeoutMs?: number;
  wsMaxConnectionMs?: number;
  /**
   * Writes the metrics to stdout as Lambda does (EMF lines, Powertools Metrics); off by default, so that a
   * test's output is the flows' log lines (POWERTOOLS_METRICS_DISABLED is set accordingly).
   */
  metrics?: boolean;
}

export interface LocalStack {
  apiUrl: string;
  wsUrl: string;
  demo?: DemoProvider;
  dynamo: LocalDynamo;
  http: HttpGateway;
  ws: WebSocketGateway;
  env: Record<string, string>;
  close(): Promise<void>;
}

export const LOCAL_TABLE = 'handshake-local';

/**
 * The whole handshake on loopback, with no AWS: dynalite, the HTTP and WebSocket gateways running the real
 * handlers, and the demo OpenID provider registered as `demo`. The handlers configure themselves from
 * environment variables exactly as in Lambda; this sets those variables for this process.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // A bad row option fails before anything starts, naming the provider and the field.
  if (options.providers) checkAllRowOptions(options.providers, findProviderRow);
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const dynamo = await startDynamoEmulator(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {});
  const started: { close(): Promise<void> }[] = [dynamo];
  try {
    await ensureTable(dynamo.endpoint, LOCAL_TABLE);
    const http = await startHttpGateway({ port: options.httpPort });
    started.push(http);
    const ws = await startWebSocketGateway({
      port: options.wsPort,
      ...WEBSOCKET_HANDLERS,
      ...(options.wsIdleTimeoutMs ? { idleTimeoutMs: options.wsIdleTimeoutMs } : {}),
      ...(options.wsMaxConnectionMs ? { maxConnectionMs: options.wsMaxConnectionMs } : {}),
    });
    started.push(ws);
    let demo: DemoProvider | undefined;
    let providers = options.providers;
    if (!providers) {
      const clientSecret = randomBytes(24).toString('base64url');
      const callbackBase = options.callbackBaseUrl ?? http.url;
      // Loaded only when used: oidc-provider is heavy and warns about the Node version on import.
      const { startDemoProvider } = await import('./demo-provider');
      demo = await startDemoProvider({
        port: options.demoPort,
        // Registered twice: as `demo`, and as the generic `oidc` row (discovery by issuer), so that the demo
        // can sign up with one provider and connect a second.
        clients: [{ clientId: 'handshake-local', clientSecret, redirectUris: [`${callbackBase}/no-auth/provider-token/demo`, `${callbackBase}/no-auth/provider-token/oidc`] }],
      });
      started.push(demo);
      providers = {
        demo: { issuer: demo.issuer, clientId: 'handshake-local', clientSecret },
        oidc: { issuer: demo.issuer, clientId: 'handshake-local', clientSecret },
      };
    }

    const env: Record<string, string> = {
      RUN_TIME_ENVIRONMENT: options.environment ?? 'local',
      PUBLIC_API_URL: http.url,
      TABLE_NAME: LOCAL_TABLE,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      MECHANNEL_ENDPOINT: ws.managementUrl,
      HANDSHAKE_KEYS: await localKeys(options.dataDir),
      PROVIDERS_CONFIG: JSON.stringify(providers),
      POWERTOOLS_METRICS_DISABLED: options.metrics ? 'false' : 'true',
      ...(options.callbackBaseUrl ? { CALLBACK_BASE_URL: options.callbackBaseUrl } : {}),
    };
    if (options.registryDir) await register(options.registryDir, env.RUN_TIME_ENVIRONMENT!, http.url);
    Object.assign(process.env, env);
    setRuntime(undefined);
    setPageKeys(undefined);

    return {
      apiUrl: http.url,
      wsUrl: ws.url,
      demo,
      dynamo,
      http,
      ws,
      env,
      async close() {
        for (const part of started.reverse()) await part.close();
        setRuntime(undefined);
        setPageKeys(undefined);
      },
    };
  } catch (err) {
    for (const part of started.reverse()) await part.close().catch(() => undefined);
    throw err;
  }
}

/** What a deployment does in SSM: this environment's entry in the registry (written atomically). */
export async function register(registryDir: string, environment: string, apiUrl: string): Promise<void> {
  await mkdir(registryDir, { recursive: true });
  const file = join(registryDir, environment);
  await writeFile(`${file}.tmp`, apiUrl);
  await rename(`${file}.tmp`, file);
}

/** The key ring of the local stack: kept under the data folder so tokens stay readable across restarts. */
async function localKeys(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return JSON.stringify(generateKeyRingJson());
  const file = join(dataDir, 'keys.json');
  try {
    return await readFile(file, 'utf8');
  } catch {
    const keys = JSON.stringify(generateKeyRingJson());
    await writeFile(file, keys, { mode: 0o600 });
    return keys;
  }
}
