import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import grant from 'grant';

/** Where Grant's handler is served and which provider it talks to. */
interface GrantBenchOptions {
  /** Where this handler is served: the redirect URI is `<origin>/connect/fast/callback`. */
  origin: string;
  /** The OAuth provider's origin (`/authorize`, `/token`). */
  providerUrl: string;
  clientId: string;
  clientSecret: string;
  /** Signs the session cookie. */
  cookieSecret?: string;
}

export const GRANT_PROVIDER = 'fast';

/**
 * Grant's AWS Lambda handler, the comparison point of `npm run bench`: `require('grant').aws(...)` as its
 * README shows it, with state and PKCE on, one OAuth 2.0 provider (`fast`) whose authorize and token URLs are
 * the bench's local provider, client_secret_basic at the token endpoint (as that provider requires), and
 * `transport: 'state'` so the callback answers the token as JSON instead of redirecting. Grant keeps its
 * handshake (state, PKCE verifier) in a signed cookie and stores nothing.
 *
 * @example
 * const handler = grantHandler({ origin: 'http://127.0.0.1:3999', providerUrl: fast.url, clientId, clientSecret });
 * await handler(v2Event('GET /connect/fast'));  // 302 to the provider, Set-Cookie: grant=...
 */
export function grantHandler(options: GrantBenchOptions) {
  const app = grant.aws({
    config: {
      defaults: { origin: options.origin, transport: 'state', state: true, pkce: true },
      [GRANT_PROVIDER]: {
        oauth: 2,
        authorize_url: `${options.providerUrl}/authorize`,
        access_url: `${options.providerUrl}/token`,
        key: options.clientId,
        secret: options.clientSecret,
        scope: ['openid', 'email', 'profile', 'offline_access'],
        scope_delimiter: ' ',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    },
    session: { secret: options.cookieSecret ?? 'grant-bench-cookie-secret' },
  });
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const { redirect, response } = await app(event);
    return (
      redirect ?? {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(response),
      }
    );
  };
}

/**
 * The Lambda entry `bench/bundles.ts` bundles: built at import, as a Grant Lambda is. The URLs only matter
 * when it is invoked, which the cold-init measurement never does.
 */
export const handler = grantHandler({
  origin: process.env.GRANT_ORIGIN ?? 'http://127.0.0.1:3999',
  providerUrl: process.env.GRANT_PROVIDER_URL ?? 'http://127.0.0.1:3998',
  clientId: process.env.GRANT_CLIENT_ID ?? 'grant-bench',
  clientSecret: process.env.GRANT_CLIENT_SECRET ?? 'grant-bench-secret',
});
