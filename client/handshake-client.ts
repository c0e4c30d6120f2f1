import { randomBytes } from 'node:crypto';
import { providerInfoPath } from '../shared/handshake/me-object';
import { hostKey, normalizeHost } from '../shared/providers/hosts';
import { HandshakeClientError } from './errors';
import { MeChannelListener, type MeChannelMessage } from './me-channel-listener';

export interface HandshakeClientOptions {
  /** The environment's HTTP API, e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  /** The environment's me-channel, e.g. `ws://127.0.0.1:3001`. */
  wsUrl: string;
  /** Shows the user a URL: the IDE opens the system browser; a test drives a scripted one. */
  openBrowser: (url: string) => void | Promise<void>;
  /** A session token from an earlier sign-up, if the agent kept one. */
  sessionToken?: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
}

export interface ProviderConnection {
  provider: string;
  host?: string;
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
  data?: Record<string, unknown>;
}

export interface SignupOutcome {
  sessionToken: string;
  signupStatus: 'userCreated' | 'signedIn';
  user: { id: string; email?: string; username?: string; providerInfo: Record<string, unknown> };
  connection: ProviderConnection;
}

/**
 * The IDE agent's side of the handshake.
 *
 * @example
 * const client = new HandshakeClient({ apiUrl, wsUrl, openBrowser: (url) => vscode.env.openExternal(vscode.Uri.parse(url)) });
 * const { user } = await client.signUp('github');          // polls check-signup every 5 s, up to 5 min
 * const gitlab = await client.connect('gitlab_enterprise', { host: 'https://gitlab.acme.com' }); // arrives on the me-channel
 */
export class HandshakeClient {
  sessionToken?: string;
  private channel?: MeChannelListener;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: HandshakeClientOptions) {
    this.sessionToken = options.sessionToken;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
  }

  /**
   * Signs the user up (or in) through a provider. There is no session yet, so no me-channel: the answer is
   * collected by polling check-signup, which hands it over exactly once.
   */
  async signUp(provider: string, options: { host?: string } = {}): Promise<SignupOutcome> {
    const signupToken = randomBytes(32).toString('base64url');
    const url = new URL(`${this.options.apiUrl}/web/provider-auth/${encodeURIComponent(provider)}`);
    url.searchParams.set('signupToken', signupToken);
    if (options.host) url.searchParams.set('host', options.host);
    await this.options.openBrowser(url.toString());

    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const response = await fetch(`${this.options.apiUrl}/no-auth/check-signup`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: signupToken }),
      });
      const body = (await response.json().catch(() => ({}))) as Record<string, any>;
      if (response.status === 200) {
        this.sessionToken = body.accessToken;
        const entry = entryFor(body.user?.providerInfo, provider, options.host);
        return { sessionToken: body.accessToken, signupStatus: body.signupStatus, user: body.user, connection: { provider, ...(options.host ? { host: options.host } : {}), ...entry } };
      }
      if (body.code !== 'AUTH-1006') throw new HandshakeClientError(body.code ?? 'HTTP', body.message ?? `check-signup answered ${response.status}`, body.info);
      if (Date.now() + this.pollIntervalMs > deadline) throw new HandshakeClientError('TIMEOUT', `sign-up with ${provider} did not finish within ${this.timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
  }

  /** Opens the me-channel (once); every later token change of this user arrives on it. */
  async meChannel(): Promise<MeChannelListener> {
    if (!this.sessionToken) throw new HandshakeClientError('NO_SESSION', 'sign up first: the me-channel needs a session token');
    if (!this.channel?.open) this.channel = await MeChannelListener.open(this.options.wsUrl, this.sessionToken);
    return this.channel;
  }

  /** Connects the signed-up user to a provider; resolves when the token is pushed on the me-channel. */
  async connect(provider: string, options: { host?: string } = {}): Promise<ProviderConnection> {
    if (!this.sessionToken) throw new HandshakeClientError('NO_SESSION', 'sign up first: connecting needs a session token');
    const channel = await this.meChannel();
    const response = await fetch(`${this.options.apiUrl}/provider-auth-code`, { headers: { authorization: `Bearer ${this.sessionToken}` } });
    const body = (await response.json().catch(() => ({}))) as Record<string, any>;
    if (response.status !== 200) throw new HandshakeClientError(body.code ?? 'HTTP', body.message ?? `provider-auth-code answered ${response.status}`);

    const base = providerInfoPath(provider, options.host ? normalizeHost(options.host) : undefined);
    const arrived = (message: MeChannelMessage) => typeof message.message.user.$set?.[`${base}.accessToken`] === 'string';
    const since = channel.received.length;
    const url = new URL(`${this.options.apiUrl}/web/provider-auth/${encodeURIComponent(provider)}`);
    url.searchParams.set('code', body.code);
    if (options.host) url.searchParams.set('host', options.host);
    await this.options.openBrowser(url.toString());

    const timeout = AbortSignal.timeout(this.timeoutMs);
    let message: MeChannelMessage;
    try {
      message = await channel.wait((m) => channel.received.indexOf(m) >= since && arrived(m), timeout);
    } catch {
      throw new HandshakeClientError('TIMEOUT', `connecting ${provider} did not finish within ${this.timeoutMs / 1000} s`);
    }
    const set = message.message.user.$set!;
    const field = (name: string) => set[`${base}.${name}`];
    return {
      provider,
      ...(options.host ? { host: options.host } : {}),
      accessToken: field('accessToken') as string,
      ...(field('refreshToken') ? { refreshToken: field('refreshToken') as string } : {}),
      ...(field('expiresAt') ? { expiresAt: field('expiresAt') as number } : {}),
      data: (field('data') as Record<string, unknown>) ?? {},
    };
  }

  close(): void {
    this.channel?.close();
  }
}

function entryFor(providerInfo: Record<string, any> | undefined, provider: string, host?: string) {
  const entry = host ? providerInfo?.[provider]?.hosts?.[hostKey(normalizeHost(host))] : providerInfo?.[provider];
  return { accessToken: entry?.accessToken as string, refreshToken: entry?.refreshToken, expiresAt: entry?.expiresAt, data: entry?.data };
}
