import { createHmac } from 'node:crypto';
import { sameSecret } from '../crypto/compare';
import { HandshakeError } from '../errors';
import type { Runtime } from '../runtime';

export interface ActionRequest {
  provider: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Slack allows 5 minutes of clock skew and asks receivers to refuse older requests (replays). */
const SLACK_MAX_AGE_SECONDS = 300;

/**
 * How each provider signs its interactive callbacks; a provider without a verifier has no action endpoint.
 * Slack: https://api.slack.com/authentication/verifying-requests-from-slack (v0 HMAC-SHA256 over
 * `v0:<timestamp>:<raw body>` with the app's signing secret).
 */
const VERIFIERS: Record<string, (request: ActionRequest, secret: string, now: number) => boolean> = {
  slack(request, secret, now) {
    const timestamp = Number(request.headers['x-slack-request-timestamp']);
    const signature = request.headers['x-slack-signature'] ?? '';
    if (!Number.isFinite(timestamp) || Math.abs(now / 1000 - timestamp) > SLACK_MAX_AGE_SECONDS) return false;
    const expected = `v0=${createHmac('sha256', secret).update(`v0:${request.headers['x-slack-request-timestamp']}:`).update(request.body).digest('hex')}`;
    return sameSecret(signature, expected);
  },
};

/**
 * `POST /no-auth/provider-action/{provider}` on an environment: accepts an interactive-component callback
 * only with a valid provider signature (the signing secret is `signingSecret` in the provider's settings).
 */
export async function receiveProviderAction(rt: Runtime, request: ActionRequest): Promise<void> {
  const verify = Object.hasOwn(VERIFIERS, request.provider) ? VERIFIERS[request.provider] : undefined;
  if (!verify) throw new HandshakeError('PRVD-1000');
  const settings = (await rt.settings.get(request.provider)) as { signingSecret?: string } | undefined;
  if (!settings?.signingSecret) throw new HandshakeError('PRVD-1009');
  if (!verify(request, settings.signingSecret, rt.now())) throw new HandshakeError('AUTH-1002', 'Invalid provider signature');
  rt.logger.info('provider action received', { provider: request.provider, bytes: request.body.length });
}
