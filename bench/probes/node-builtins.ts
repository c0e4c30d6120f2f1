/** Cold-init probe: what a bare signed HTTP client would import instead of an SDK (node's own http and crypto). */
export { request } from 'node:http';
export { createHmac, createHash } from 'node:crypto';
