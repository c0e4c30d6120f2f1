import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { handlerEsbuildOptions } from '../infra/handler-bundling';
import { PROJECT_ROOT } from './setup';

/**
 * What `npm run bench` bundles, each exactly as the CDK stack bundles a handler (`handlerEsbuildOptions`:
 * ESM, node24, minified, source map, the require banner, AWS SDK included):
 * - `handler`: every `functions/<name>/handler.ts`;
 * - `grant`: `bench/grant/handler.ts`, Grant's Lambda handler;
 * - `probe`: one dependency alone (`bench/probes/*.ts`), to attribute cold-init time to it;
 * - `split`: a handler with esbuild code splitting added (not deployed; NodejsFunction's single `--outfile`
 *   cannot split): what lazily imported code costs at init when esbuild inlines it into the one file;
 * - `lib`: `bench/lib-entry.ts`, the handlers and library parts the in-process measurements call.
 */
export type BundleKind = 'handler' | 'grant' | 'probe' | 'split' | 'lib';

export interface Bundle {
  name: string;
  kind: BundleKind;
  /** The bundled ES module (`index.mjs`). */
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Whether the bundle holds the DynamoDB client, i.e. the handler talks to the table. */
  usesDynamoDB: boolean;
  /** Bytes of output by origin (`handshake`, `AWS SDK`, `jose`, ...), largest first. */
  composition: Record<string, number>;
  /** Bytes node parses at import: the whole file, or for `split` the entry and the chunks it imports statically. */
  initBytes: number;
}

/** Probe entries: what each dependency alone costs to import. */
const PROBES: Record<string, string> = {
  'probe:dynamodb-client': 'bench/probes/dynamodb-client.ts',
  'probe:powertools-logger': 'bench/probes/powertools-logger.ts',
  'probe:jose': 'bench/probes/jose.ts',
  'probe:management-api-client': 'bench/probes/management-api-client.ts',
  'probe:simple-oauth2': 'bench/probes/simple-oauth2.ts',
  'probe:ssm-parameters': 'bench/probes/ssm-parameters.ts',
  'probe:node:http+crypto': 'bench/probes/node-builtins.ts',
};

/** The handshake's own handlers: also bundled with code splitting, and timed with source maps on. */
export const HANDSHAKE_HANDLERS = ['provider-auth', 'provider-token', 'check-signup'];

/** Every handler folder under `functions/` (the CDK stacks deploy each of them). */
function handlerNames(): string[] {
  const dir = join(PROJECT_ROOT, 'functions');
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'handler.ts')))
    .sort();
}

/** The package a bundled input comes from, grouped the way the attribution reads. */
function originOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (!match) return input.startsWith('bench/') ? 'bench entry' : 'handshake';
  const pkg = match[1]!;
  if (/^@(aws-sdk|smithy|aws-crypto|aws)\//.test(pkg) || ['mnemonist', 'obliterator', 'fast-xml-parser', 'strnum'].includes(pkg)) return 'AWS SDK';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'Powertools';
  if (pkg === 'jose') return 'jose';
  if (pkg === 'simple-oauth2' || pkg.startsWith('@hapi/') || pkg === 'joi' || pkg.startsWith('@sideway/') || pkg === 'debug' || pkg === 'ms') return 'simple-oauth2 (+joi, @hapi)';
  if (['grant', 'qs', 'request-compose', 'request-oauth', 'cookie', 'cookie-signature'].includes(pkg)) return 'grant (+qs, request-compose)';
  // Everything else in these bundles is Grant's optional OpenID Connect signing (jwk-to-pem, jws, elliptic, ...)
  // and the helpers qs pulls in; the handshake bundles have no other dependency.
  return 'other packages';
}

/** Bytes of an output and of every chunk it imports statically, transitively. */
function staticClosureBytes(metafile: Metafile, file: string): number {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, output]) => [join(PROJECT_ROOT, path), { path, output }]));
  const seen = new Set<string>();
  const visit = (absolute: string) => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    for (const imported of outputs.get(absolute)?.output.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(join(PROJECT_ROOT, imported.path));
    }
  };
  visit(file);
  return [...seen].reduce((sum, path) => sum + (outputs.get(path)?.output.bytes ?? 0), 0);
}

function composition(metafile: Metafile, outfile: string): Record<string, number> {
  const output = Object.entries(metafile.outputs).find(([path]) => join(PROJECT_ROOT, path) === outfile || path === outfile)?.[1];
  const byOrigin = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const origin = originOf(input);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries([...byOrigin].sort((a, b) => b[1] - a[1]));
}

/**
 * Bundles every handler, Grant and the probes into `outDir/<name>/index.mjs`, and measures each: bytes
 * minified, bytes gzipped, and where the bytes come from (esbuild's metafile).
 */
export async function bundleAll(outDir: string): Promise<Bundle[]> {
  rmSync(outDir, { recursive: true, force: true });
  const targets: { name: string; kind: BundleKind; entry?: string }[] = [
    ...handlerNames().map((name) => ({ name, kind: 'handler' as const })),
    { name: 'grant', kind: 'grant', entry: 'bench/grant/handler.ts' },
    ...Object.entries(PROBES).map(([name, entry]) => ({ name, kind: 'probe' as const, entry })),
    ...HANDSHAKE_HANDLERS.map((name) => ({ name: `${name} (split)`, kind: 'split' as const })),
    { name: 'bench-lib', kind: 'lib', entry: 'bench/lib-entry.ts' },
  ];
  const bundles: Bundle[] = [];
  // One at a time: on a small machine, parallel builds are slower than sequential ones.
  for (const { name, kind, entry } of targets) {
    const dir = join(outDir, name.replace(/[^\w-]+/g, '-'));
    // Grant and the probes take a handler's options with their own entry: same esbuild settings, other input.
    const handler = kind === 'handler' ? name : kind === 'split' ? name.replace(' (split)', '') : 'web-pages';
    const options = handlerEsbuildOptions(handler, PROJECT_ROOT, dir);
    if (entry) options.entryPoints = [join(PROJECT_ROOT, entry)];
    if (kind === 'split') {
      // Splitting needs an output folder: the entry becomes index.mjs, each lazily imported module a chunk.
      delete options.outfile;
      Object.assign(options, { outdir: dir, splitting: true, entryNames: 'index', outExtension: { '.js': '.mjs' } });
    }
    const result = await build({ ...options, metafile: true });
    const file = join(dir, 'index.mjs');
    const code = readFileSync(file);
    const parts = composition(result.metafile, file);
    const initBytes = kind === 'split' ? staticClosureBytes(result.metafile, file) : code.length;
    bundles.push({
      name,
      kind,
      file,
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      usesDynamoDB: Object.keys(result.metafile.inputs).some((input) => input.includes('node_modules/@aws-sdk/client-dynamodb/')),
      composition: parts,
      initBytes,
    });
  }
  return bundles;
}
