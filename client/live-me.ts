/**
 * The agent's live copy of its user: `GET /me`, kept current by the me-channel, and read again whenever the
 * channel cannot be trusted to have said everything (a gap in the versions, every reconnect). The socket is
 * reopened after any close with capped exponential backoff and full jitter, renewed before API Gateway's
 * 2-hour cap, and pinged every 5 minutes so that the 10-minute idle close never comes; a ping left
 * unanswered means a half-open socket, which is dropped and reopened.
 */

/** The part of the WHATWG WebSocket this uses: the platform's (Node 22 and later, browsers) or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: any) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

export interface MeUser {
  id: string;
  email?: string;
  username?: string;
  providerInfo: Record<string, any>;
}

export interface LiveMeOptions {
  apiUrl: string;
  wsUrl: string;
  /** The session token; read at every (re)connect, so a client that signs in again keeps one LiveMe. */
  sessionToken: () => string | undefined;
  fetch?: typeof fetch;
  /** Default: the platform's WebSocket (Node 22 and later). On Node 20, pass `WebSocket` from the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** Ping every this many ms (default 5 minutes; API Gateway closes idle sockets after 10). */
  heartbeatMs?: number;
  /** A pong later than this means the socket is half-open (default 10 s). */
  pongTimeoutMs?: number;
  /** Open a fresh socket after this long (default 110 minutes; API Gateway ends every socket at 2 hours). */
  renewAfterMs?: number;
  /** Backoff between reconnects: `random() × min(capMs, baseMs × 2^attempt)`. Defaults 500 ms and 30 s. */
  backoff?: { baseMs?: number; capMs?: number };
  random?: () => number;
  /** Every new state of the user, after a message or a read. */
  onChange?: (user: MeUser, version: number) => void;
}

/** What happened to the channel, for an IDE's status bar and for tests. */
export interface LiveMeStats {
  opens: number;
  reads: number;
  gaps: number;
  applied: number;
  closes: number;
}

interface Message {
  channel?: unknown;
  version?: unknown;
  type?: unknown;
  message?: { user?: { $set?: Record<string, unknown>; $unset?: Record<string, unknown> } };
}

export class LiveMe {
  user?: MeUser;
  version = 0;
  /** Set when the session was refused (signed out, expired): nothing more will be read. */
  ended?: 'signed-out' | 'closed';
  readonly stats: LiveMeStats = { opens: 0, reads: 0, gaps: 0, applied: 0, closes: 0 };

  private socket?: WebSocketLike;
  private attempt = 0;
  private reading?: Promise<void>;
  private queue: Message[] = [];
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private pending?: { resolve: () => void; timer: ReturnType<typeof setTimeout> };
  private waiters = new Set<() => void>();
  private readonly Socket: WebSocketConstructor;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: LiveMeOptions) {
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Socket) throw new Error('no WebSocket on this platform (Node 20): pass the `ws` package as options.WebSocket');
    this.Socket = Socket;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Opens the channel and reads the user; resolves once both are done (rejects if the session is refused). */
  async start(): Promise<this> {
    await this.open();
    await this.read();
    if (this.ended === 'signed-out') throw Object.assign(new Error('the session was refused'), { code: 'AUTH-1001' });
    return this;
  }

  /** Resolves once the user matches `match` (now or after a later change). */
  waitFor(match: (user: MeUser) => boolean, signal?: AbortSignal): Promise<MeUser> {
    if (this.user && match(this.user)) return Promise.resolve(this.user);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.user || !match(this.user)) return;
        this.waiters.delete(check);
        resolve(this.user);
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', () => {
        this.waiters.delete(check);
        reject(signal.reason);
      });
    });
  }

  get connected(): boolean {
    return this.socket?.readyState === OPEN;
  }

  close(): void {
    this.ended ??= 'closed';
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.socket?.close(1000);
    this.socket = undefined;
  }

  /** Opens a socket; on success the old one (a planned renewal) is closed after the new one is up. */
  private open(): Promise<void> {
    const token = this.options.sessionToken();
    if (!token) {
      this.ended = 'signed-out';
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const socket = new this.Socket(`${this.options.wsUrl}?token=${encodeURIComponent(token)}`);
      let opened = false;
      socket.addEventListener('open', () => {
        opened = true;
        this.attempt = 0;
        this.stats.opens++;
        const previous = this.socket;
        this.socket = socket;
        previous?.close(1000);
        this.schedule(this.options.renewAfterMs ?? 110 * 60_000, () => void this.renew(socket));
        this.heartbeat(socket);
        resolve();
      });
      socket.addEventListener('message', (event: { data: unknown }) => this.receive(socket, String(event.data)));
      socket.addEventListener('close', () => {
        if (!opened) {
          resolve();
          // Refused or unreachable: a read says whether the session is still good (the WHATWG API hides the status).
          void this.afterRefusal();
          return;
        }
        if (this.socket !== socket) return; // a renewed socket's predecessor
        this.stats.closes++;
        this.socket = undefined;
        this.reconnectLater();
      });
      socket.addEventListener('error', () => undefined);
    });
  }

  private async afterRefusal(): Promise<void> {
    if (this.ended) return;
    await this.read();
    if (!this.ended) this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.ended) return;
    this.schedule(this.backoff(this.attempt++), async () => {
      await this.open();
      // Whatever was published while no socket was open is only in the table.
      if (this.connected) await this.read();
    });
  }

  private async renew(current: WebSocketLike): Promise<void> {
    if (this.ended || this.socket !== current) return;
    await this.open();
    if (this.connected) await this.read();
  }

  private heartbeat(socket: WebSocketLike): void {
    const every = this.options.heartbeatMs ?? 5 * 60_000;
    if (every <= 0) return;
    this.schedule(every, () => {
      if (this.socket !== socket || socket.readyState !== OPEN) return;
      const timer = setTimeout(() => {
        // No pong: the socket is half-open (the network vanished without a close). Drop it and reopen.
        this.timers.delete(timer);
        if (this.socket !== socket) return;
        this.stats.closes++;
        this.socket = undefined;
        socket.close(4000);
        this.reconnectLater();
      }, this.options.pongTimeoutMs ?? 10_000);
      this.timers.add(timer);
      this.pending = { resolve: () => this.heartbeat(socket), timer };
      socket.send(JSON.stringify({ action: 'ping' }));
    });
  }

  private receive(socket: WebSocketLike, data: string): void {
    let message: Message;
    try {
      message = JSON.parse(data) as Message;
    } catch {
      return;
    }
    if (message.type === 'pong') {
      const pending = this.pending;
      this.pending = undefined;
      if (pending && this.socket === socket) {
        clearTimeout(pending.timer);
        this.timers.delete(pending.timer);
        pending.resolve();
      }
      return;
    }
    if (typeof message.channel !== 'string') return;
    this.queue.push(message);
    this.drain();
  }

  /** Applies queued messages in version order; a gap (or no copy yet) is a read of `GET /me` instead. */
  private drain(): void {
    if (this.reading) return; // the read's end drains again
    while (this.queue.length) {
      this.queue.sort((a, b) => Number(a.version) - Number(b.version));
      const message = this.queue[0]!;
      const version = Number(message.version);
      if (!Number.isInteger(version) || version <= this.version) {
        this.queue.shift();
        continue;
      }
      if (!this.user || version !== this.version + 1) {
        this.stats.gaps++;
        void this.read();
        return;
      }
      this.queue.shift();
      this.user = applyUpdate(this.user, message.message?.user ?? {});
      this.version = version;
      this.stats.applied++;
      this.changed();
    }
  }

  /** `GET /me`: the whole user and its version; one read at a time. A refused session ends the channel. */
  private read(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => {
      this.reading = undefined;
      // Messages that came during the read: those it already holds are dropped, the rest applied.
      this.drain();
    });
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    for (let failures = 0; !this.ended; failures++) {
      const token = this.options.sessionToken();
      const answer = token
        ? await this.fetch(`${this.options.apiUrl}/me`, { headers: { authorization: `Bearer ${token}` } }).then(
            async (response) => ({ status: response.status, body: (await response.json().catch(() => ({}))) as { user?: MeUser; version?: number } }),
            () => undefined,
          )
        : { status: 401, body: {} };
      if (answer?.status === 200 && answer.body.user) {
        this.stats.reads++;
        const version = answer.body.version ?? 0;
        if (!this.user || version >= this.version) {
          this.user = answer.body.user;
          this.version = version;
          this.queue = this.queue.filter((m) => Number(m.version) > version);
          this.changed();
        }
        return;
      }
      if (answer?.status === 401) {
        this.ended = 'signed-out';
        this.socket?.close(1000);
        return;
      }
      // 5xx, 429 or no answer: the broker or the way to it failed; try again, a little later each time.
      await new Promise((resolve) => (setTimeout(resolve, this.backoff(failures)) as { unref?: () => void }).unref?.());
    }
  }

  private backoff(attempt: number): number {
    const { baseMs = 500, capMs = 30_000 } = this.options.backoff ?? {};
    return (this.options.random ?? Math.random)() * Math.min(capMs, baseMs * 2 ** attempt);
  }

  private changed(): void {
    this.options.onChange?.(this.user!, this.version);
    for (const waiter of [...this.waiters]) waiter();
  }

  private schedule(ms: number, run: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.ended) void run();
    }, ms);
    this.timers.add(timer);
  }
}

/** Applies a SPEC update (dotted `$set` and `$unset` paths) to a copy of the user. */
export function applyUpdate(user: MeUser, update: { $set?: Record<string, unknown>; $unset?: Record<string, unknown> }): MeUser {
  const next = structuredClone(user);
  for (const [path, value] of Object.entries(update.$set ?? {})) {
    const parts = path.split('.');
    let node: Record<string, any> = next;
    for (const part of parts.slice(0, -1)) node = node[part] && typeof node[part] === 'object' ? node[part] : (node[part] = {});
    node[parts.at(-1)!] = value;
  }
  for (const path of Object.keys(update.$unset ?? {})) {
    const parts = path.split('.');
    let node: Record<string, any> | undefined = next;
    for (const part of parts.slice(0, -1)) node = node?.[part];
    if (node) delete node[parts.at(-1)!];
  }
  return next;
}
