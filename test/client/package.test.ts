import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeAtProvider, Browser } from '../../local/scripted-browser';
import { startLocalStack, type LocalStack } from '../../local/stack';

/**
 * `client/` as the package an IDE extension installs: packed with `npm pack` (which builds it), installed
 * into an empty project from the tarball, type-checked as a consumer's TypeScript sees it, and run by plain
 * Node (no tsx, no repository sources) through a sign-up, a connect and `live()` against the local stack.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const clientDir = join(root, 'client');
let work: string;
let consumer: string;
let stack: LocalStack;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'handshake-client-'));
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: clientDir });
  const tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
  consumer = join(work, 'extension');
  await run('mkdir', ['-p', consumer]);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'an-ide-extension', private: true, type: 'module' }));
  // No dependencies to fetch: the install needs no network.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: consumer });
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0 });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('@handshake/client as a package', () => {
  it('imports nothing but itself and node: builtins, and has no runtime dependencies', async () => {
    const manifest = JSON.parse(await readFile(join(clientDir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@handshake/client', type: 'module', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } });
    expect(manifest.dependencies ?? {}).toEqual({});
    for (const file of (await readdir(clientDir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
      const source = await readFile(join(clientDir, file), 'utf8');
      const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(/^(node:[a-z_/]+|\.\/[a-z-]+\.js)$/);
    }
  });

  it('installs from its tarball with ESM and type declarations, and a consumer type-checks against them', async () => {
    const installed = join(consumer, 'node_modules/@handshake/client');
    const files = await readdir(join(installed, 'dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'handshake-client.js', 'live-me.d.ts']));
    expect(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
    await writeFile(
      join(consumer, 'extension.ts'),
      [
        "import { HandshakeClient, HandshakeClientError, type ProviderConnection } from '@handshake/client';",
        "const client = new HandshakeClient({ apiUrl: 'http://127.0.0.1:3000', wsUrl: 'ws://127.0.0.1:3001', openBrowser: () => undefined });",
        "export const connect = (): Promise<ProviderConnection> => client.connect('github', { mode: 'poll', onUserCode: (code: string) => console.log(code) });",
        'export const isExpired = (err: unknown) => err instanceof HandshakeClientError && err.expired;',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['extension.ts'] }),
    );
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer]);
  }, 60_000);

  it('signs up, connects and keeps a live user, run by plain Node from the installed package', async () => {
    const script = join(consumer, 'agent.mjs');
    await writeFile(
      script,
      `import { HandshakeClient } from '@handshake/client';
import { createInterface } from 'node:readline';
const lines = createInterface({ input: process.stdin });
const next = () => new Promise((resolve) => lines.once('line', resolve));
// Node 22 and later have a WebSocket; Node 20 gets the ws package's.
const WebSocket = globalThis.WebSocket ?? (await import(process.env.WS_MODULE)).default;
const client = new HandshakeClient({
  apiUrl: process.env.API_URL, wsUrl: process.env.WS_URL, clientName: 'packaged agent', WebSocket,
  // The test drives the browser: it is told the URL, and says when the browser is done.
  openBrowser: async (url) => { console.log('OPEN ' + url); await next(); },
});
const signup = await client.signUp('demo');
const live = await client.live();
const connection = await client.connect('oidc');
await live.waitFor((user) => user.providerInfo.oidc?.accessToken === connection.accessToken, AbortSignal.timeout(10000));
console.log('RESULT ' + JSON.stringify({ signupStatus: signup.signupStatus, userId: signup.user.id, connected: connection.provider, liveVersion: live.version, liveHasBoth: Boolean(live.user.providerInfo.demo && live.user.providerInfo.oidc) }));
client.close();
lines.close();
`,
    );
    const child = spawn(process.execPath, [script], {
      cwd: consumer,
      env: { ...process.env, API_URL: stack.apiUrl, WS_URL: stack.wsUrl, WS_MODULE: pathToFileURL(join(root, 'node_modules/ws/wrapper.mjs')).href },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const browser = new Browser();
    let result: Record<string, unknown> | undefined;
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line.startsWith('OPEN ')) {
        const callback = await authorizeAtProvider(browser, line.slice(5), `${stack.apiUrl}/no-auth/provider-token/`, 'packaged-user');
        await browser.follow(callback);
        child.stdin!.write('\n');
      } else if (line.startsWith('RESULT ')) {
        result = JSON.parse(line.slice(7));
      }
    }
    const code = await new Promise((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', done)));
    expect(code).toBe(0);
    expect(result).toMatchObject({ signupStatus: 'userCreated', connected: 'oidc', liveVersion: 2, liveHasBoth: true });
  }, 60_000);
});
