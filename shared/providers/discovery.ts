import { getJson, ProviderHttpError, type ProviderHttp } from './http';

export interface DiscoveredEndpoints {
  authorize: string;
  token: string;
  userinfo?: string;
  revocation?: string;
  /** `scopes_supported`, when the issuer publishes it. */
  scopesSupported?: string[];
}

const CACHE_MS = 15 * 60_000;
const cache = new Map<string, { at: number; endpoints: Promise<DiscoveredEndpoints> }>();

/**
 * Reads an issuer's OpenID Connect discovery document (cached for 15 minutes per container). The issuer in
 * the document must equal the configured one (OIDC Discovery §4.3), or the endpoints are not trusted.
 */
export function discoverEndpoints(http: ProviderHttp, issuer: string, now = Date.now()): Promise<DiscoveredEndpoints> {
  const hit = cache.get(issuer);
  if (hit && now - hit.at < CACHE_MS) return hit.endpoints;
  const endpoints = fetchDiscovery(http, issuer);
  cache.set(issuer, { at: now, endpoints });
  endpoints.catch(() => cache.delete(issuer));
  return endpoints;
}

async function fetchDiscovery(http: ProviderHttp, issuer: string): Promise<DiscoveredEndpoints> {
  const doc = (await getJson(http, `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)) as Record<string, unknown>;
  const text = (name: string) => (typeof doc[name] === 'string' ? (doc[name] as string) : undefined);
  if (text('issuer') !== issuer || !text('authorization_endpoint') || !text('token_endpoint')) {
    throw new ProviderHttpError(`discovery document of ${issuer} is not usable`);
  }
  return {
    authorize: text('authorization_endpoint')!,
    token: text('token_endpoint')!,
    userinfo: text('userinfo_endpoint'),
    revocation: text('revocation_endpoint'),
    ...(Array.isArray(doc.scopes_supported) ? { scopesSupported: doc.scopes_supported.filter((s): s is string => typeof s === 'string') } : {}),
  };
}
