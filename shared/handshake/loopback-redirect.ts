import { HandshakeError } from '../errors';

/**
 * RFC 8252 §7.3 loopback redirects, as strict as SPEC asks: `http`, the IP literal `127.0.0.1` or `[::1]`
 * (never `localhost`, which DNS or a hosts file may send elsewhere), an explicit port, a path, and nothing
 * else: no userinfo, no query, no fragment. The text is matched as sent, before any URL parser could turn
 * `127.1` or `0x7f.1` into 127.0.0.1 or drop a `user@`.
 */
const LOOPBACK_REDIRECT = /^http:\/\/(127\.0\.0\.1|\[::1\]):([1-9][0-9]{0,4})(\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$/;
const MAX_LENGTH = 256;

/** The agent's redirectUri, normalised (an empty path becomes `/`); RAPI-1002 for anything else. */
export function parseLoopbackRedirect(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) throw new HandshakeError('RAPI-1002');
  const match = LOOPBACK_REDIRECT.exec(value);
  if (!match || Number(match[2]) > 65_535) throw new HandshakeError('RAPI-1002');
  return `http://${match[1]}:${match[2]}${match[3] ?? '/'}`;
}

/** Where the callback sends the browser in loopback mode: the agent's listener, with the outcome in the query. */
export function loopbackLocation(redirectUri: string, outcome: { code: string; complete: string } & ({ result: string } | { error: string })): string {
  const url = new URL(redirectUri);
  url.searchParams.set('code', outcome.code);
  if ('result' in outcome) url.searchParams.set('result', outcome.result);
  else url.searchParams.set('error', outcome.error);
  url.searchParams.set('complete', outcome.complete);
  return url.toString();
}
