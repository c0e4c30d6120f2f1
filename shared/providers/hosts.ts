import { HandshakeError } from '../errors';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Normalises a user-supplied enterprise or org host to its origin (`https://gitlab.acme.com`). Refuses
 * anything that is not a bare https origin (plain http is allowed on loopback only, for local stacks):
 * credentials, paths, queries and fragments are how a host parameter gets turned into an open redirect.
 */
export function normalizeHost(input: string): string {
  if (input.length > 255) throw new HandshakeError('PRVD-1003');
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new HandshakeError('PRVD-1003');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (!secure || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new HandshakeError('PRVD-1003');
  }
  if (candidate.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) throw new HandshakeError('PRVD-1003');
  return url.origin;
}

// The me-object's host key is part of the protocol both sides compute: one function, in the client package.
export { hostKey } from '../../client/host-key.js';
