import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TokenEndpointMode = 'ok' | 'down' | 'slow' | 'http500' | 'invalid-json' | 'invalid_grant';

/**
 * An OpenID provider whose token endpoint misbehaves on demand, the ways real ones do: unreachable, slower
 * than our bound, 500, a body that is not JSON, or RFC 6749 `invalid_grant`. Discovery and userinfo work.
 */
export async function startFaultyProvider() {
  let mode: TokenEndpointMode = 'ok';
  let issued = 0;
  let issuer = '';
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo` }));
      return;
    }
    if (path === '/userinfo') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: 'faulty-user', email: 'faulty@example.test', email_verified: true }));
      return;
    }
    if (path !== '/token') {
      res.writeHead(404).end();
      return;
    }
    switch (mode) {
      case 'down':
        // The connection dies without an answer, as with a provider that crashed or a dropped route.
        req.socket.destroy();
        return;
      case 'slow':
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"late","token_type":"Bearer"}'), 3_000);
        return;
      case 'http500':
        res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
        return;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "unterminated');
        return;
      case 'invalid_grant':
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"code expired"}');
        return;
      default:
        issued++;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ access_token: `faulty-at-${issued}-${Date.now()}`, token_type: 'Bearer', expires_in: 3600 }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    setMode(next: TokenEndpointMode) {
      mode = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
