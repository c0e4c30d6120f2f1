import { HandshakeClientError } from './errors.js';
import { hostKey } from './host-key.js';
import { LoopbackListener } from './loopback-listener.js';
import { LiveMe, type LiveMeOptions, type WebSocketConstructor } from './live-me.js';
import { challengeOf, createVerifier } from './verifier.js';

export interface HandshakeClientOptions {
  /** The environment's HTTP API, e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  /** The environment's me-channel, e.g. `ws://127.0.0.1:3001`. */
  wsUrl: string;
  /** Shows the user a URL: the IDE opens the system browser; a test drives a scripted one. */
  openBrowser: (url: string) => void | Promise<void>;
  /** A session token from an earlier sign-up, if the agent kept one. */
  sessionToken?: string;
  /** How the pages name this IDE ("VS Code") and, optionally, the machine; at most 40 printable characters each. */
  clientName?: string;
  device?: string;
  /** Claim every this many ms in poll mode; default: the interval the server answers (5 s). */
  pollIntervalMs?: number;
  /** How long the person has to finish in the browser; default 5 minutes (the server allows 10). */
  timeoutMs?: number;
  /** The HTTP client; default the global fetch. */
  fetch?: typeof fetch;
  /** For `live()`: default the platform's WebSocket (Node 22 and later); on Node 20 pass the `ws` package's. */
  WebSocket?: WebSocketConstructor;
}

export interface HandshakeOptions {
  /** The enterprise or org host, for providers that need one. */
  host?: string;
  /**
   * `loopback` (default, RFC 8252): the browser brings the result back to a listener on this machine's
   * 127.0.0.1. `poll`: for an IDE whose browser runs elsewhere (a remote or web IDE); the person types the
   * user code shown by `onUserCode` on the broker's confirmation page.
   */
  mode?: 'loopback' | 'poll';
  /** Poll mode: show `userCode` (`XXXX-XXXX`) to the person, next to the link. */
  onUserCode?: (userCode: string, url: string) => void | Promise<void>;
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

/** What a sign-out ended: sessions, and the me-channel connections opened with them. */
export interface SignOutOutcome {
  sessions: number;
  connections: number;
}

type Answer = { status: number; body: Record<string, any> };

/** Claims answered with these are worth repeating: the broker or the way to it failed, not the handshake. */
const retryable = (status: number) => status === 429 || status >= 500;

/**
 * The IDE agent's side of the handshake (SPEC v2): every handshake is started with a fresh verifier whose
 * challenge the broker keeps, and only a claim with that verifier collects the result.
 *
 * @example
 * const client = new HandshakeClient({ apiUrl, wsUrl, clientName: 'VS Code', openBrowser: (url) => vscode.env.openExternal(vscode.Uri.parse(url)) });
 * const { user } = await client.signUp('github');                                   // loopback: a listener on 127.0.0.1
 * const gitlab = await client.connect('gitlab_enterprise', { host: 'https://gitlab.acme.com' });
 * await client.connect('jira', { mode: 'poll', onUserCode: (code) => showInStatusBar(code) }); // remote IDE
 */
export class HandshakeClient {
  sessionToken?: string;
  private liveMe?: LiveMe;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HandshakeClientOptions) {
    this.sessionToken = options.sessionToken;
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Signs the user up (or in) through a provider; the answer carries the session token, which the client keeps. */
  async signUp(provider: string, options: HandshakeOptions = {}): Promise<SignupOutcome> {
    const body = await this.handshake('signup', provider, options);
    this.sessionToken = body.accessToken;
    const entry = entryFor(body.user?.providerInfo, provider, options.host);
    return {
      sessionToken: body.accessToken,
      signupStatus: body.signupStatus,
      user: body.user,
      connection: { provider, ...(options.host ? { host: options.host } : {}), ...entry },
    };
  }

  /** Connects the signed-up user to a provider; resolves with the stored token (also published on the me-channel). */
  async connect(provider: string, options: HandshakeOptions = {}): Promise<ProviderConnection> {
    if (!this.sessionToken) throw new HandshakeClientError('NO_SESSION', 'sign up first: connecting needs a session token');
    const body = await this.handshake('connect', provider, options);
    return {
      provider: body.provider,
      ...(options.host ? { host: options.host } : {}),
      accessToken: body.accessToken,
      ...(body.refreshToken ? { refreshToken: body.refreshToken } : {}),
      ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}),
      data: body.data ?? {},
    };
  }

  /** The environment's HTTP API and me-channel, as given. */
  get apiUrl(): string {
    return this.options.apiUrl;
  }

  get wsUrl(): string {
    return this.options.wsUrl;
  }

  /**
   * The signed-in user, kept current: `GET /me`, then every change from the me-channel, applied in version
   * order; after a gap or a reconnect it reads `GET /me` again. It reconnects by itself and ends when the
   * session is refused. `options` tune the heartbeat, backoff and renewal (tests use milliseconds).
   */
  async live(options: Partial<Omit<LiveMeOptions, 'apiUrl' | 'wsUrl' | 'sessionToken'>> = {}): Promise<LiveMe> {
    if (!this.sessionToken) throw new HandshakeClientError('NO_SESSION', 'sign up first: the me-channel needs a session token');
    if (!this.liveMe || this.liveMe.ended) {
      this.liveMe = new LiveMe({
        apiUrl: this.options.apiUrl,
        wsUrl: this.options.wsUrl,
        sessionToken: () => this.sessionToken,
        fetch: this.fetch,
        ...(this.options.WebSocket ? { WebSocket: this.options.WebSocket } : {}),
        ...options,
      });
      await this.liveMe.start();
    }
    return this.liveMe;
  }

  /** Ends this session (`DELETE /session`): the token stops working and its me-channel is closed. */
  signOut(): Promise<SignOutOutcome> {
    return this.endSessions('/session');
  }

  /** Ends every session of this user, on every device (`DELETE /sessions`): what to do when a token may be stolen. */
  signOutEverywhere(): Promise<SignOutOutcome> {
    return this.endSessions('/sessions');
  }

  close(): void {
    this.liveMe?.close();
  }

  private async endSessions(path: '/session' | '/sessions'): Promise<SignOutOutcome> {
    if (!this.sessionToken) return { sessions: 0, connections: 0 };
    const answer = await this.request('DELETE', path, this.sessionToken, undefined);
    // Already ended (revoked elsewhere, or expired): signed out is what the caller wanted.
    if (answer.status !== 200 && answer.body.code !== 'AUTH-1001') throw failure(answer, 'signing out');
    this.sessionToken = undefined;
    this.liveMe?.close();
    this.liveMe = undefined;
    return answer.status === 200 ? (answer.body as SignOutOutcome) : { sessions: 0, connections: 0 };
  }

  private async handshake(flow: 'signup' | 'connect', provider: string, options: HandshakeOptions): Promise<Record<string, any>> {
    const mode = options.mode ?? 'loopback';
    if (mode === 'poll' && !options.onUserCode) throw new HandshakeClientError('USAGE', 'poll mode needs onUserCode: the person must see the user code');
    const session = flow === 'connect' ? this.sessionToken : undefined;
    const deadline = Date.now() + this.timeoutMs;
    const verifier = createVerifier();
    const listener = mode === 'loopback' ? await LoopbackListener.open(this.options.apiUrl) : undefined;
    try {
      const client = this.options.clientName ? { name: this.options.clientName, ...(this.options.device ? { device: this.options.device } : {}) } : undefined;
      const started = await this.request('POST', '/provider-auth-code', session, {
        provider,
        flow,
        ...(options.host ? { host: options.host } : {}),
        challenge: challengeOf(verifier),
        challengeMethod: 'S256',
        ...(listener ? { redirectUri: listener.redirectUri } : {}),
        ...(client ? { client } : {}),
      });
      if (started.status !== 200) throw failure(started, 'starting the handshake');
      const { code, url, userCode, interval } = started.body as { code: string; url: string; userCode?: string; interval: number };
      if (userCode) await options.onUserCode!(userCode, url);
      await this.options.openBrowser(url);

      if (listener) {
        const arrival = await listener.arrival(code, AbortSignal.timeout(Math.max(0, deadline - Date.now()))).catch(() => {
          throw new HandshakeClientError('TIMEOUT', `${flow} with ${provider} did not finish within ${this.timeoutMs / 1000} s`);
        });
        // A failure is claimed too: the broker's answer says why, with the provider's error code. Where the
        // broker could not record it (the answer is "not completed yet"), the browser's `error` is the answer.
        try {
          return await this.claim({ code, verifier, ...(arrival.result ? { result: arrival.result } : {}) }, session, deadline, 0);
        } catch (err) {
          if (arrival.error && err instanceof HandshakeClientError && err.code === 'AUTH-1006') throw new HandshakeClientError(arrival.error, `${flow} with ${provider} failed (${arrival.error})`);
          throw err;
        }
      }
      return await this.claim({ code, verifier }, session, deadline, this.options.pollIntervalMs ?? interval * 1000);
    } finally {
      await listener?.close();
    }
  }

  /**
   * Claims until there is an answer. `pollMs` 0 (loopback) claims a ready handshake; poll mode repeats while
   * the person is still in the browser (AUTH-1006). Both repeat through 5xx, 429 and network errors.
   */
  private async claim(body: Record<string, string>, session: string | undefined, deadline: number, pollMs: number): Promise<Record<string, any>> {
    for (let failures = 0; ; ) {
      let answer: Answer | undefined;
      try {
        answer = await this.request('PUT', '/no-auth/check-signup', session, body);
      } catch {
        answer = undefined;
      }
      if (answer?.status === 200) return answer.body;
      const pending = answer?.body.code === 'AUTH-1006' && pollMs > 0;
      if (answer && !pending && !retryable(answer.status)) throw failure(answer, 'claiming the result');
      const wait = pending ? pollMs : Math.min(5_000, 250 * 2 ** failures++);
      if (Date.now() + wait > deadline) {
        if (answer && !pending) throw failure(answer, 'claiming the result');
        throw new HandshakeClientError('TIMEOUT', `the handshake did not finish within ${this.timeoutMs / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async request(method: string, path: string, session: string | undefined, body: unknown): Promise<Answer> {
    const response = await this.fetch(`${this.options.apiUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(session ? { authorization: `Bearer ${session}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, any> };
  }
}

function failure(answer: Answer, doing: string): HandshakeClientError {
  return new HandshakeClientError(answer.body.code ?? 'HTTP', answer.body.message ?? `${doing}: the server answered ${answer.status}`, answer.body.info);
}

function entryFor(providerInfo: Record<string, any> | undefined, provider: string, host?: string) {
  const entry = host ? providerInfo?.[provider]?.hosts?.[hostKey(host)] : providerInfo?.[provider];
  return { accessToken: entry?.accessToken as string, refreshToken: entry?.refreshToken, expiresAt: entry?.expiresAt, data: entry?.data };
}
