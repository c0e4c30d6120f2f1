import { generateKeyRingJson, parseKeyRing } from '../../../shared/crypto/keys';
import { setPageKeys } from '../../../shared/http/page-keys';
import type { MeChannel, UserUpdate } from '../../../shared/me-channel';
import { PROVIDER_CATALOG, type ProviderRow, type StaticEndpoints } from '../../../shared/providers/catalog';
import { ProviderDirectory } from '../../../shared/providers/directory';
import { StaticSettings, type ProvidersSettings } from '../../../shared/providers/settings';
import { createRuntime, setRuntime, type Runtime } from '../../../shared/runtime';
import { dispatchHttp } from '../../../local/dispatch';
import { ensureTable, localDocumentClient, startDynamoEmulator, type LocalDynamo } from '../../../local/dynamodb';
import { Browser, type BrowserResponse } from '../../../local/scripted-browser';
import { startFakeProvider, type FakeProvider } from './fake-provider';

export const API = 'http://localhost:3998';
/** The broker's fixed clock: every expiry in these tests is computed from it. */
export const NOW = Date.UTC(2026, 0, 15, 9, 30, 0);

/**
 * The row with every fixed endpoint moved from the provider's public origin to the fake provider's origin
 * (paths kept). Host-bound templates stay as they are: the fake's origin is then the host the user names.
 */
export function retarget(row: ProviderRow, origin: string): ProviderRow {
  if (row.endpoints.kind !== 'static') return row;
  const move = (url: string | undefined) => (url && !url.startsWith('{host}') ? url.replace(/^https:\/\/[^/]+/, origin) : url);
  const e = row.endpoints;
  const endpoints: StaticEndpoints = {
    kind: 'static',
    authorize: move(e.authorize)!,
    ...(e.token ? { token: move(e.token) } : {}),
    ...(e.requestToken ? { requestToken: move(e.requestToken) } : {}),
    ...(e.userinfo ? { userinfo: move(e.userinfo) } : {}),
    ...(e.api ? { api: move(e.api) } : {}),
    ...(e.revoke ? { revoke: { ...e.revoke, url: move(e.revoke.url)! } } : {}),
  };
  return { ...row, endpoints };
}

export interface ContractWorld {
  rt: Runtime;
  fake: FakeProvider;
  /** Every me-channel update the flows published, in order. */
  published: Array<{ userId: string; update: UserUpdate }>;
  browser(): Browser;
  call(method: string, path: string, init?: { headers?: Record<string, string>; body?: string; contentType?: string }): Promise<{ status: number; headers: Record<string, string>; json: any; body: string }>;
  /** A user with a session token (naming the account by its login), made directly in the stores. */
  user(login: string): Promise<{ userId: string; session: string }>;
  close(): Promise<void>;
}

/**
 * dynalite, the real handlers (through the local dispatcher) on a fixed clock, and one fake provider that
 * every catalog row has been retargeted to. `settings` receives the fake's origin (the host of host-bound rows).
 */
export async function createContractWorld(settings: (origin: string) => ProvidersSettings, rows: readonly ProviderRow[] = PROVIDER_CATALOG): Promise<ContractWorld> {
  const dynamo: LocalDynamo = await startDynamoEmulator();
  const tableName = 'handshake-contracts';
  await ensureTable(dynamo.endpoint, tableName);
  const fake = await startFakeProvider();
  const client = localDocumentClient(dynamo.endpoint);
  const http = { fetch: globalThis.fetch, timeoutMs: 5_000 };
  const staticSettings = new StaticSettings(settings(fake.origin));
  const rt = await createRuntime({
    config: { environment: 'contract', publicApiUrl: API, callbackBaseUrl: API },
    keys: parseKeyRing(generateKeyRingJson()),
    table: { client, name: tableName },
    settings: staticSettings,
    http,
    now: () => NOW,
  });
  rt.providers = new ProviderDirectory(staticSettings, http, rows.map((row) => retarget(row, fake.origin)));
  const published: ContractWorld['published'] = [];
  rt.meChannel = {
    publish: async (userId: string, update: UserUpdate) => {
      published.push({ userId, update });
      return { delivered: 1, gone: 0, failed: 0 };
    },
  } as unknown as MeChannel;
  setRuntime(rt);
  setPageKeys({ key: rt.keys.pages, environment: 'contract' });

  const transport = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<BrowserResponse | undefined> => {
    if (!url.startsWith(API)) return undefined;
    const result = await dispatchHttp({ method: init.method, url: url.slice(API.length), headers: init.headers, body: init.body ? Buffer.from(init.body) : undefined });
    return { url, status: result.status, headers: new Headers(result.headers), setCookies: result.setCookies, body: result.body };
  };

  return {
    rt,
    fake,
    published,
    browser: () => new Browser(transport),
    async call(method, path, init = {}) {
      const headers = { ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}), ...init.headers };
      const result = await dispatchHttp({ method, url: path, headers, body: init.body !== undefined ? Buffer.from(init.body) : undefined });
      let parsed: unknown;
      try {
        parsed = JSON.parse(result.body);
      } catch {
        parsed = undefined;
      }
      return { status: result.status, headers: result.headers, json: parsed, body: result.body };
    },
    async user(login) {
      const { user } = await rt.users.findOrCreate('contract-test', undefined, { subject: login, username: login });
      return { userId: user.id, session: await rt.sessions.issue({ userId: user.id, account: login }) };
    },
    async close() {
      setRuntime(undefined);
      setPageKeys(undefined);
      client.destroy();
      await fake.close();
      await dynamo.close();
    },
  };
}
