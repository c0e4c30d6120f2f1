import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pkceChallenge } from '../shared/crypto/pkce';
import { randomToken } from '../shared/crypto/random';

export interface FastClient {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs (RFC 6749 §3.1.2.2: no prefix or pattern matching). */
  redirectUris: string[];
}

export interface FastProvider {
  /** Its own origin, which is also its issuer. */
  url: string;
  issuer: string;
  port: number;
  /** Registers (or replaces) a client; the load run does this once it knows the broker's callback URL. */
  registerClient(client: FastClient): void;
  /** The access token issued for an authorization code, once that code was exchanged. */
  tokenForCode(code: string): string | undefined;
  /** Counters: codes issued, codes exchanged, refreshes, token requests refused, userinfo requests answered. */
  readonly stats: { authorized: number; exchanged: number; refreshed: number; refused: number; userinfo: number };
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  subject: string;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 60_000;
const MAX_BODY_BYTES = 16 * 1024;
// RFC 7636 §4.1: 43-128 characters of the unreserved set.
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const SCOPES = ['openid', 'email', 'profile', 'offline_access'];


/**
 * An OAuth 2.0 / OpenID Connect provider that answers at once, for load runs: no login page, no consent,
 * no signing keys. `/authorize` redirects straight back with a code (the subject is `login_hint`, or a
 * random one); `/token` exchanges it (client_secret_basic, PKCE S256 required, codes single-use and 60 s);
 * `/userinfo` answers for its access tokens. It checks what a real provider checks, so a broker bug
 * (wrong redirect_uri, missing verifier, a code sent twice) still fails here; it is just not slow.
 *
 * @example
 * const fast = await startFastProvider();
 * fast.registerClient({ clientId: 'load', clientSecret: 's', redirectUris: [`${apiUrl}/no-auth/provider-token/oidc`] });
 */
export async function startFastProvider(options: { port?: number; host?: string; clients?: FastClient[] } = {}): Promise<FastProvider> {
  const host = options.host ?? '127.0.0.1';
  const clients = new Map<string, FastClient>((options.clients ?? []).map((client) => [client.clientId, client]));
  const codes = new Map<string, PendingCode>();
  const issuedForCode = new Map<string, string>();
  const accessTokens = new Map<string, string>();
  const refreshTokens = new Map<string, { clientId: string; subject: string }>();
  const stats = { authorized: 0, exchanged: 0, refreshed: 0, refused: 0, userinfo: 0 };

  const server: Server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
      else res.destroy();
    });
  });
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host}:${port}`;

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        scopes_supported: SCOPES,
        subject_types_supported: ['public'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/authorize') return authorize(url.searchParams, res);
    if (req.method === 'POST' && url.pathname === '/token') return token(req, res);
    if (req.method === 'GET' && url.pathname === '/userinfo') return userinfo(req, res);
    return json(res, 404, { error: 'not_found' });
  }

  function authorize(query: URLSearchParams, res: ServerResponse) {
    // RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown to the user, never redirected to.
    const client = clients.get(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!client) return json(res, 400, { error: 'invalid_client' });
    if (!client.redirectUris.includes(redirectUri)) return json(res, 400, { error: 'invalid_request', error_description: 'redirect_uri is not registered' });

    const back = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const refuse = (error: string) => {
      back.searchParams.set('error', error);
      res.writeHead(302, { location: back.toString() }).end();
    };
    if (query.get('response_type') !== 'code') return refuse('unsupported_response_type');
    const challenge = query.get('code_challenge') ?? '';
    if (query.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) return refuse('invalid_request');

    if (codes.size > 50_000) sweepExpiredCodes();
    const code = randomToken();
    const hint = query.get('login_hint');
    const subject = hint && /^[\w.@-]{1,64}$/.test(hint) ? hint : `user-${randomToken(9)}`;
    codes.set(code, { clientId: client.clientId, redirectUri, challenge, subject, expiresAt: Date.now() + CODE_LIFETIME_MS });
    stats.authorized++;
    back.searchParams.set('code', code);
    res.writeHead(302, { location: back.toString() }).end();
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    const refuse = (status: number, error: string) => {
      stats.refused++;
      json(res, status, { error }, status === 401 ? { 'www-authenticate': 'Basic realm="fast-provider"' } : {});
    };
    const client = authenticate(req.headers.authorization);
    if (!client) return refuse(401, 'invalid_client');
    const body = await readBody(req);
    if (body === undefined || !/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return refuse(400, 'invalid_request');
    const form = new URLSearchParams(body);

    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = codes.get(code);
      codes.delete(code); // single use: a second attempt finds nothing, whatever else it got wrong
      if (!pending || pending.expiresAt < Date.now() || pending.clientId !== client.clientId) return refuse(400, 'invalid_grant');
      if (form.get('redirect_uri') !== pending.redirectUri) return refuse(400, 'invalid_grant');
      const verifier = form.get('code_verifier') ?? '';
      if (!VERIFIER.test(verifier) || !sameText(pkceChallenge(verifier), pending.challenge)) return refuse(400, 'invalid_grant');
      const issued = issue(client.clientId, pending.subject);
      issuedForCode.set(code, issued.access_token);
      stats.exchanged++;
      return json(res, 200, issued, { 'cache-control': 'no-store', pragma: 'no-cache' });
    }
    if (form.get('grant_type') === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const grant = refreshTokens.get(presented);
      if (!grant || grant.clientId !== client.clientId) return refuse(400, 'invalid_grant');
      refreshTokens.delete(presented); // rotated, as careful providers do
      stats.refreshed++;
      return json(res, 200, issue(client.clientId, grant.subject), { 'cache-control': 'no-store', pragma: 'no-cache' });
    }
    return refuse(400, 'unsupported_grant_type');
  }

  function issue(clientId: string, subject: string) {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    accessTokens.set(accessToken, subject);
    refreshTokens.set(refreshToken, { clientId, subject });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: refreshToken, scope: SCOPES.join(' ') };
  }

  function userinfo(req: IncomingMessage, res: ServerResponse) {
    const bearer = /^Bearer ([\w-]+)$/.exec(req.headers.authorization ?? '')?.[1];
    const subject = bearer ? accessTokens.get(bearer) : undefined;
    if (!subject) return json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    stats.userinfo++;
    return json(res, 200, { sub: subject, email: `${subject}@example.test`, email_verified: true, name: subject, preferred_username: subject });
  }

  /** client_secret_basic, with RFC 6749 §2.3.1's form-encoding of id and secret (as simple-oauth2 sends it). */
  function authenticate(header: string | undefined): FastClient | undefined {
    const encoded = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '')?.[1];
    if (!encoded) return undefined;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const formDecode = (value: string) => {
      try {
        return decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    };
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    const client = id === undefined ? undefined : clients.get(id);
    return client && secret !== undefined && sameText(secret, client.clientSecret) ? client : undefined;
  }

  function sweepExpiredCodes() {
    const now = Date.now();
    for (const [code, pending] of codes) if (pending.expiresAt < now) codes.delete(code);
  }

  return {
    url: issuer,
    issuer,
    port,
    stats,
    registerClient(client) {
      clients.set(client.clientId, client);
    },
    tokenForCode: (code) => issuedForCode.get(code),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request body as text, or undefined past MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
