import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the handlers' code comes from:
 * - `bundles`: one folder per handler, each holding `index.mjs` (and its source map), as built into the
 *   published package by `infra/bundle-handlers.mjs`. A consumer needs neither this repository nor Docker.
 * - `sources`: this repository's `functions/<handler>/handler.ts`, bundled at synth time by the locally
 *   installed esbuild through NodejsFunction (this repository's own app and tests).
 */
export type HandlerCode = { readonly bundles: string } | { readonly sources: string };

/**
 * The package's prebuilt bundles when they are there (`dist/bundles`, beside the compiled constructs), else
 * the repository's sources (`infra/` runs from source).
 */
export function defaultHandlerCode(): HandlerCode {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundles = resolve(here, '../bundles');
  if (existsSync(bundles)) return { bundles };
  const projectRoot = resolve(here, '..');
  if (existsSync(join(projectRoot, 'functions'))) return { sources: projectRoot };
  throw new Error(`handshake: no handler bundles at ${bundles} and no functions/ at ${projectRoot}: reinstall the package`);
}
