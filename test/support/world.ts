import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { generateKeyRingJson, parseKeyRing, type KeyRing } from '../../shared/crypto/keys';
import { setPageKeys } from '../../shared/http/page-keys';
import { createRuntime, setRuntime, type Runtime } from '../../shared/runtime';
import type { ProvidersSettings, SettingsSource } from '../../shared/providers/settings';
import { startDemoProvider, type DemoProvider } from '../../local/demo-provider';
import { ensureTable, localDocumentClient, startDynamoEmulator, type LocalDynamo } from '../../local/dynamodb';
import { dispatchHttp, type GatewayLimits } from '../../local/dispatch';
import { Browser, type BrowserResponse } from '../../local/scripted-browser';
import { HTTP_HANDLERS, WEBSOCKET_HANDLERS } from '../../local/handlers';
import { startWebSocketGateway, type WebSocketGateway } from '../../local/websocket-gateway';
import { startDynamoFaultProxy } from './dynamo-fault-proxy';

export const PUBLIC_API_URL = 'http://localhost:3999';
export const CLIENT_SECRET = 'oidc-client-secret-never-logged';

export interface World {
  rt: Runtime;
  dynamo: LocalDynamo;
  /** Present with `{ dynamoProxy: true }`: the broker reaches DynamoDB through it, so tests can cut it. */
  dynamoProxy?: Awaited<ReturnType<typeof startDynamoFaultProxy>>;
  provider: DemoProvider;
  /** Present with `{ meChannel: true }`: the local WebSocket gateway, publishing to real sockets. */
  ws?: WebSocketGateway;
  /** Shifts the broker's clock (not the provider's): for expiry tests. */
  clock: { offsetMs: number };
  browser(): Browser;
  /** An agent's HTTP call to our API, through the real handlers. */
  call(method: string, path: string, init?: { headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; headers: Record<string, string>; json: any; body: string }>;
  scan(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * A complete environment for end-to-end tests: dynalite, panva's oidc-provider as the third party
 * (registered as the `oidc` provider), and the real handlers answering for PUBLIC_API_URL.
 */
/** Where a test looks inside the broker: around each handler call, the key ring, the settings source. */
export interface WorldInstruments {
  /** Runs every handler call (HTTP and WebSocket) inside `around(handler folder, call)`. */
  around?: <T>(handler: string, call: () => Promise<T>) => Promise<T>;
  keys?: (ring: KeyRing) => KeyRing;
  settings?: (source: SettingsSource) => SettingsSource;
}

export async function createWorld(
  options: {
    environment?: string;
    settings?: (issuer: string) => ProvidersSettings;
    dynamoProxy?: boolean;
    providerTimeoutMs?: number;
    meChannel?: boolean;
    instruments?: WorldInstruments;
    /** API Gateway's and Lambda's time limits, shortened (default: as deployed). */
    gatewayLimits?: GatewayLimits;
  } = {},
): Promise<World> {
  const around = options.instruments?.around;
  const wrap = <H extends (event: never, context?: never) => Promise<unknown>>(name: string, handler: H): H =>
    around ? (((event: never, context?: never) => around(name, () => handler(event, context))) as H) : handler;
  const httpHandlers = Object.fromEntries(Object.entries(HTTP_HANDLERS).map(([name, handler]) => [name, wrap(name, handler)]));
  const dynamo = await startDynamoEmulator();
  const tableName = 'handshake-test';
  await ensureTable(dynamo.endpoint, tableName);
  const dynamoProxy = options.dynamoProxy ? await startDynamoFaultProxy(dynamo.endpoint) : undefined;
  const callback = `${PUBLIC_API_URL}/no-auth/provider-token`;
  const provider = await startDemoProvider({
    clients: [{ clientId: 'handshake-test', clientSecret: CLIENT_SECRET, redirectUris: [`${callback}/oidc`, `${callback}/demo`] }],
  });
  const clock = { offsetMs: 0 };
  const client = localDocumentClient(dynamoProxy?.endpoint ?? dynamo.endpoint);
  const settings = options.settings?.(provider.issuer) ?? { oidc: { issuer: provider.issuer, clientId: 'handshake-test', clientSecret: CLIENT_SECRET } };
  const { StaticSettings } = await import('../../shared/providers/settings');
  const ws = options.meChannel
    ? await startWebSocketGateway({
        port: 0,
        connect: wrap('ws-connect', WEBSOCKET_HANDLERS.connect),
        disconnect: wrap('ws-disconnect', WEBSOCKET_HANDLERS.disconnect),
        messages: { ping: wrap('ws-ping', WEBSOCKET_HANDLERS.messages.ping!) },
      })
    : undefined;
  const keys = parseKeyRing(generateKeyRingJson());
  const staticSettings = new StaticSettings(settings);
  const rt = await createRuntime({
    config: { environment: options.environment ?? 'test', publicApiUrl: PUBLIC_API_URL, callbackBaseUrl: PUBLIC_API_URL },
    keys: options.instruments?.keys?.(keys) ?? keys,
    table: { client, name: tableName },
    settings: options.instruments?.settings?.(staticSettings) ?? staticSettings,
    http: { fetch: globalThis.fetch, timeoutMs: options.providerTimeoutMs ?? 5_000 },
    now: () => Date.now() + clock.offsetMs,
    ...(ws ? { meChannelEndpoint: ws.managementUrl, localAws: true } : {}),
  });
  setRuntime(rt);
  // Read on use, so that an instrumented key ring sees the pages use it.
  setPageKeys({
    get key() {
      return rt.keys.pages;
    },
    environment: rt.config.environment,
  });

  const transport = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<BrowserResponse | undefined> => {
    if (!url.startsWith(PUBLIC_API_URL)) return undefined;
    const result = await dispatchHttp({ method: init.method, url: url.slice(PUBLIC_API_URL.length), headers: init.headers, body: init.body ? Buffer.from(init.body) : undefined }, httpHandlers, undefined, options.gatewayLimits);
    return { url, status: result.status, headers: new Headers(result.headers), setCookies: result.setCookies, body: result.body };
  };

  // Scans go around the proxy: the test must see the table even while the broker cannot.
  const direct = dynamoProxy ? localDocumentClient(dynamo.endpoint) : client;

  return {
    rt,
    dynamo,
    dynamoProxy,
    provider,
    ws,
    clock,
    browser: () => new Browser(transport),
    async call(method, path, init = {}) {
      const headers = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
      const result = await dispatchHttp({ method, url: path, headers, body: init.body !== undefined ? Buffer.from(typeof init.body === 'string' ? init.body : JSON.stringify(init.body)) : undefined }, httpHandlers, undefined, options.gatewayLimits);
      let json: unknown;
      try {
        json = JSON.parse(result.body);
      } catch {
        json = undefined;
      }
      return { status: result.status, headers: result.headers, json, body: result.body };
    },
    async scan() {
      const { Items = [] } = await direct.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      return Items;
    },
    async close() {
      setRuntime(undefined);
      setPageKeys(undefined);
      client.destroy();
      if (direct !== client) direct.destroy();
      await dynamoProxy?.close();
      await ws?.close();
      await provider.close();
      await dynamo.close();
    },
  };
}

/** Collects everything written to stdout and stderr while `run` runs (every log line of the flows). */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap = (write: typeof out) => ((chunk: unknown, ...rest: unknown[]) => {
    chunks.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof out;
  process.stdout.write = tap(out);
  process.stderr.write = tap(err);
  try {
    const result = await run();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
