// Builds every handler into dist/bundles/<handler>/index.mjs with the options the deployed functions use
// (infra/handler-bundling.ts), so the package's constructs need neither this repository's sources nor Docker.
// Runs after tsc (`npm pack` runs both): it reads the compiled route lists and bundling options from dist/.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { handlerEsbuildOptions } from './dist/infra/handler-bundling.js';
import { WEBSOCKET_ROUTES } from './dist/infra/me-channel.js';
import { API_ROUTES } from './dist/shared/http/api-routes.js';
import { AUTH_ORIGIN_ROUTES } from './dist/shared/routing/auth-origin-routes.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const bundles = fileURLToPath(new URL('./dist/bundles/', import.meta.url));
const handlers = [...new Set([...API_ROUTES, ...WEBSOCKET_ROUTES, ...AUTH_ORIGIN_ROUTES].map((route) => route.handler))].sort();

await rm(bundles, { recursive: true, force: true });
await Promise.all(handlers.map((handler) => build(handlerEsbuildOptions(handler, projectRoot, `${bundles}${handler}`))));
console.log(`bundled ${handlers.length} handlers into dist/bundles`);
