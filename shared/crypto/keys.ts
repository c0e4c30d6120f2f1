import { hkdfSync, randomBytes } from 'node:crypto';

/**
 * The key material of one environment. `state` seals state parameters (JWE dir/A256GCM), `session` signs
 * session tokens (HS256), and `tokens` encrypts provider tokens at rest: a ring keyed by key id so the
 * current key can rotate while items written under older keys stay readable.
 */
export interface KeyRing {
  state: Uint8Array;
  session: Uint8Array;
  tokens: { current: string; keys: Map<string, Uint8Array> };
  /**
   * Seals what the broker hands its own pages (the success page's summary) and signs the confirmation form's
   * CSRF field. Derived from `state` under its own label, so no key is added to the ring, and a value made
   * for a page can never be taken for a state or the other way round.
   */
  pages: Uint8Array;
}

/**
 * The JSON form kept in `HANDSHAKE_KEYS` (locally) or a secret (in AWS); key values are base64url, 32 bytes.
 * `master` (a random string of at least 32 characters, as a secret generator makes) stands in for any key
 * left out: each is derived from it with HKDF-SHA256 under its own label, the token key with id `m1`.
 * Rotating the token key adds `tokens.keys.<new id>` and points `tokens.current` at it.
 */
export interface KeyRingJson {
  master?: string;
  state?: string;
  session?: string;
  tokens?: { current: string; keys: Record<string, string> };
}

function derive(master: string, label: string): string {
  return Buffer.from(hkdfSync('sha256', master, 'handshake', label, 32)).toString('base64url');
}

function decodeKey(name: string, value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new Error(`key ${name} is missing`);
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length !== 32) throw new Error(`key ${name} must be 32 bytes (base64url), got ${bytes.length}`);
  return new Uint8Array(bytes);
}

/** Parses and checks a key ring; the error names the bad key, never its value. */
export function parseKeyRing(json: string | KeyRingJson): KeyRing {
  let raw = (typeof json === 'string' ? JSON.parse(json) : json) as KeyRingJson;
  if (raw.master !== undefined) {
    if (typeof raw.master !== 'string' || raw.master.length < 32) throw new Error('key master must be at least 32 characters');
    raw = {
      state: raw.state ?? derive(raw.master, 'state'),
      session: raw.session ?? derive(raw.master, 'session'),
      tokens: raw.tokens ?? { current: 'm1', keys: { m1: derive(raw.master, 'tokens/m1') } },
    };
  }
  const keys = new Map<string, Uint8Array>();
  for (const [kid, value] of Object.entries(raw.tokens?.keys ?? {})) keys.set(kid, decodeKey(`tokens.${kid}`, value));
  const current = raw.tokens?.current;
  if (!current || !keys.has(current)) throw new Error('tokens.current must name one of tokens.keys');
  const state = decodeKey('state', raw.state);
  const pages = new Uint8Array(hkdfSync('sha256', state, 'handshake', 'pages', 32));
  return { state, session: decodeKey('session', raw.session), tokens: { current, keys }, pages };
}

/** A fresh key ring, for a new local stack or a test. */
export function generateKeyRingJson(kid = 'k1'): Required<Omit<KeyRingJson, 'master'>> {
  const key = () => randomBytes(32).toString('base64url');
  return { state: key(), session: key(), tokens: { current: kid, keys: { [kid]: key() } } };
}

/**
 * The key ring of a function deployed without one (infra/handler-needs.ts gives it only to functions that use
 * a key): any use is a deployment mistake, reported by name instead of as a failed decryption.
 */
export function absentKeyRing(): KeyRing {
  return new Proxy({} as KeyRing, {
    get(_, property) {
      throw new Error(`key ring used (${String(property)}) by a function deployed without HANDSHAKE_KEYS_PARAMETER: give it keys in infra/handler-needs.ts`);
    },
  });
}
