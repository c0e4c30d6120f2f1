import { HandshakeError } from '../errors';
import { valueAt } from '../providers/token-response';
import { stateEnvironment } from '../state';
import { ACTION_ROUTES, type ActionRoute } from './action-routes';
import type { EnvironmentRegistry } from './registry';

export interface ProxiedRequest {
  provider: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Headers of the hop, not of the request: never forwarded (RFC 9110 §7.6.1), nor the auth origin's Host. */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-connection', 'content-length']);
/** Slack wants an answer within 3 s; leave the environment most of that. */
export const ACTION_PROXY_TIMEOUT_MS = 2_500;

/** The environment an interactive-component payload names, or undefined. */
export function actionEnvironment(route: ActionRoute, body: Buffer): string | undefined {
  let payload: unknown;
  try {
    const text = body.toString('utf8');
    payload = JSON.parse(route.body === 'slack-form' ? (new URLSearchParams(text).get('payload') ?? '') : text);
  } catch {
    return undefined;
  }
  for (const field of route.environmentFields) {
    const value = valueAt(payload, field);
    const environment = typeof value === 'string' ? stateEnvironment(value) : undefined;
    if (environment) return environment;
  }
  return undefined;
}

/**
 * Forwards an interactive-component request to the environment its payload names, with the body bytes and
 * the signature headers unchanged (the environment verifies the provider's signature, not us), bounded in
 * time. Unknown provider or environment: 404 without forwarding anything.
 */
export async function forwardAction(registry: EnvironmentRegistry, request: ProxiedRequest, fetchImpl: typeof fetch = fetch, timeoutMs = ACTION_PROXY_TIMEOUT_MS): Promise<ProxiedResponse> {
  const route = Object.hasOwn(ACTION_ROUTES, request.provider) ? ACTION_ROUTES[request.provider] : undefined;
  if (!route) throw new HandshakeError('PRVD-1000');
  const environment = actionEnvironment(route, request.body);
  const target = environment ? await registry.lookup(environment) : undefined;
  if (!target) throw new HandshakeError('ENV-1001');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
  let response: Response;
  try {
    response = await fetchImpl(`${target}/no-auth/provider-action/${request.provider}`, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return { status: timedOut ? 504 : 502, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ code: 'SRV-1000', message: timedOut ? 'The environment did not answer in time' : 'The environment could not be reached' })) };
  }
  const contentType = response.headers.get('content-type');
  return { status: response.status, headers: contentType ? { 'content-type': contentType } : {}, body: Buffer.from(await response.arrayBuffer()) };
}
