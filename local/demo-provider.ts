import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface DemoClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface DemoProvider {
  issuer: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (panva's oidc-provider) for the local stack and the tests. Its built-in
 * development login and consent pages accept any login name; the subject is that name and the e-mail is
 * `<name>@example.test`. PKCE is required for every client, as a careful provider would.
 *
 * @example
 * const demo = await startDemoProvider({ port: 3002, clients: [{ clientId: 'handshake-local', clientSecret: 's', redirectUris: [cb] }] });
 */
export async function startDemoProvider(options: { port?: number; host?: string; clients: DemoClient[] }): Promise<DemoProvider> {
  const host = options.host ?? '127.0.0.1';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'demo' };

  // Bind first so the issuer can carry the real port when port 0 (any free port) was asked for.
  const { createServer } = await import('node:http');
  let app: ((req: never, res: never) => void) | undefined;
  const server: Server = createServer((req, res) => app!(req as never, res as never));
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host}:${port}`;

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    pkce: { required: () => true },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    // Explicit lifetimes (seconds): short ones, as a provider should have, and no notices about defaults.
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 86_400 },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: `${sub}@example.test`, email_verified: true, name: sub, preferred_username: sub };
        },
      };
    },
  });
  app = provider.callback() as never;

  return {
    issuer,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
