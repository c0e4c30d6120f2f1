import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How an endpoint misbehaves: unreachable, slower than our bound, 500, a body that is not JSON, or RFC 6749 `invalid_grant`. */
export type TokenEndpointMode = 'ok' | 'down' | 'slow' | 'http500' | 'invalid-json' | 'invalid_grant';
export type UserinfoMode = Exclude<TokenEndpointMode, 'invalid_grant'>;

interface IssuedCode {
  subject: string;
  redirectUri: string;
  challenge?: string;
  used: boolean;
}

/**
 * An OpenID provider whose token endpoint (or userinfo endpoint) misbehaves on demand, the ways real ones do.
 * When it behaves, it behaves like a real one and refuses what a real one refuses: its authorize endpoint
 * signs the person in at once (as whoever `signInAs` names) and redirects back with a code bound to the
 * redirect_uri and the PKCE challenge; the token endpoint authenticates the client and redeems each code once
 * (RFC 6749 §4.1.2, §4.1.3; RFC 7636 §4.6); userinfo answers only for the tokens it issued.
 */
export async function startFaultyProvider(options: { clientId?: string; clientSecret?: string } = {}) {
  const clientId = options.clientId ?? 'faulty-client';
  const clientSecret = options.clientSecret ?? 'faulty-secret';
  let tokenMode: TokenEndpointMode = 'ok';
  let userinfoMode: UserinfoMode = 'ok';
  let person = 'faulty-user';
  let issuer = '';
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, string>();
  const counts = { authorize: 0, token: 0, userinfo: 0 };

  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  const oauthError = (res: ServerResponse, status: number, error: string) => json(res, status, { error, error_description: `faulty provider: ${error}` });

  /** The ways an endpoint fails; true when it did (and answered, or dropped the connection). */
  function misbehave(mode: TokenEndpointMode, req: IncomingMessage, res: ServerResponse): boolean {
    switch (mode) {
      case 'down':
        // The connection dies without an answer, as with a provider that crashed or a dropped route.
        req.socket.destroy();
        return true;
      case 'slow':
        setTimeout(() => json(res, 200, { access_token: 'late', token_type: 'Bearer', sub: 'late' }), 3_000);
        return true;
      case 'http500':
        res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
        return true;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "unterminated');
        return true;
      case 'invalid_grant':
        oauthError(res, 400, 'invalid_grant');
        return true;
      default:
        return false;
    }
  }

  function authorize(url: URL, res: ServerResponse) {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    // A real provider never redirects to an unregistered place or for an unknown client: it shows its own error.
    if (q.get('client_id') !== clientId || !redirectUri) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or redirect_uri');
      return;
    }
    const back = new URL(redirectUri);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    if (q.get('response_type') !== 'code') back.searchParams.set('error', 'unsupported_response_type');
    else if (q.has('code_challenge') && q.get('code_challenge_method') !== 'S256') back.searchParams.set('error', 'invalid_request');
    else {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { subject: person, redirectUri, challenge: q.get('code_challenge') ?? undefined, used: false });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.toString() }).end();
  }

  function token(form: URLSearchParams, authorization: string | undefined, res: ServerResponse) {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(authorization ?? '');
    if (basic) {
      const [user = '', pass = ''] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      id = decode(user);
      secret = decode(pass);
    }
    if (id !== clientId || secret !== clientSecret) return oauthError(res, 401, 'invalid_client');
    if (form.get('grant_type') !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type');
    const issued = codes.get(form.get('code') ?? '');
    if (!issued || issued.used || issued.redirectUri !== form.get('redirect_uri')) return oauthError(res, 400, 'invalid_grant');
    // RFC 6749 §4.1.2: a code is redeemed once, whatever the outcome of this request.
    issued.used = true;
    if (issued.challenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier, 'ascii').digest('base64url') !== issued.challenge) return oauthError(res, 400, 'invalid_grant');
    }
    const accessToken = `faulty-at-${randomBytes(16).toString('base64url')}`;
    tokens.set(accessToken, issued.subject);
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
  }

  function userinfo(authorization: string | undefined, res: ServerResponse) {
    const subject = tokens.get(/^Bearer (\S+)$/.exec(authorization ?? '')?.[1] ?? '');
    if (!subject) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    json(res, 200, { sub: subject, email: `${subject}@example.test`, email_verified: true, preferred_username: subject });
  }

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(res, 200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo` });
      case '/authorize':
        counts.authorize++;
        return authorize(url, res);
      case '/token':
        counts.token++;
        if (req.method !== 'POST' || misbehave(tokenMode, req, res)) return;
        return token(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), req.headers.authorization, res);
      case '/userinfo':
        counts.userinfo++;
        if (misbehave(userinfoMode, req, res)) return;
        return userinfo(req.headers.authorization, res);
      default:
        res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    /** How many requests each endpoint received. */
    counts,
    setMode(next: TokenEndpointMode) {
      tokenMode = next;
    },
    setUserinfoMode(next: UserinfoMode) {
      userinfoMode = next;
    },
    /** Who the next authorizations sign in as (the `sub` userinfo answers for their tokens). */
    signInAs(subject: string) {
      person = subject;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
