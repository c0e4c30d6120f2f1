import WebSocket from 'ws';

export interface MeChannelMessage {
  channel: string;
  /** The number of the change (SPEC, "Me-channel"): messages may arrive out of order, versions do not. */
  version?: number;
  message: { user: { id: string; $set?: Record<string, unknown>; $unset?: Record<string, unknown> }; requestId?: string };
}

/**
 * One open me-channel connection, on the `ws` package (which tells the HTTP status of a refused upgrade):
 * what the tests, the demo and the load tool watch the channel with. IDEs use `client.live()`. Messages are delivered to every `wait` predicate still pending, and
 * kept in `received` for inspection.
 */
export class MeChannelListener {
  readonly received: MeChannelMessage[] = [];
  private waiters = new Set<(message: MeChannelMessage) => void>();

  /** Resolves with the close code once the socket is closed, by either side (sign-out closes it server-side). */
  readonly closed: Promise<number>;

  private readonly pongs = new Set<() => void>();
  private readonly heartbeat?: NodeJS.Timeout;

  private constructor(
    private readonly socket: WebSocket,
    heartbeatMs: number,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    // API Gateway closes a connection idle for 10 minutes: a ping every 5 keeps it (SPEC, "Me-channel").
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => void this.ping().catch(() => undefined), heartbeatMs);
      this.heartbeat.unref();
      socket.once('close', () => clearInterval(this.heartbeat));
    }
    socket.on('message', (data) => {
      let message: MeChannelMessage;
      try {
        message = JSON.parse(String(data)) as MeChannelMessage;
      } catch {
        return;
      }
      if ((message as { type?: unknown }).type === 'pong') {
        for (const pong of [...this.pongs]) pong();
        return;
      }
      // Only channel messages are the user's updates (a gateway's own notice, such as Forbidden, is not).
      if (typeof (message as { channel?: unknown }).channel !== 'string') return;
      this.received.push(message);
      for (const waiter of [...this.waiters]) waiter(message);
    });
  }

  /**
   * Opens the me-channel with the session token; rejects with the HTTP status if the server refuses.
   * `heartbeatMs`: how often to ping (default 5 minutes; 0 for none).
   */
  static open(wsUrl: string, sessionToken: string, options: { heartbeatMs?: number } = {}): Promise<MeChannelListener> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(sessionToken)}`);
      socket.once('open', () => resolve(new MeChannelListener(socket, options.heartbeatMs ?? 5 * 60_000)));
      socket.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`me-channel refused: ${res.statusCode}`), { status: res.statusCode }));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  /** The me-channel of a signed-up client (its `wsUrl` and session token). */
  static of(client: { wsUrl: string; sessionToken?: string }, options: { heartbeatMs?: number } = {}): Promise<MeChannelListener> {
    if (!client.sessionToken) return Promise.reject(new Error('sign up first: the me-channel needs a session token'));
    return MeChannelListener.open(client.wsUrl, client.sessionToken, options);
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Resolves with the first message (already received or coming) that `match` accepts. */
  wait(match: (message: MeChannelMessage) => boolean, signal?: AbortSignal): Promise<MeChannelMessage> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = (message: MeChannelMessage) => {
        if (!match(message)) return;
        this.waiters.delete(waiter);
        resolve(message);
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters.delete(waiter);
        reject(signal.reason);
      });
    });
  }

  /** Sends `{"action":"ping"}`; resolves when the server's `{"type":"pong"}` arrives. */
  ping(signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<void> {
    return new Promise((resolve, reject) => {
      const pong = () => {
        this.pongs.delete(pong);
        resolve();
      };
      this.pongs.add(pong);
      signal.addEventListener('abort', () => {
        this.pongs.delete(pong);
        reject(signal.reason);
      });
      this.socket.send(JSON.stringify({ action: 'ping' }), (err) => {
        if (!err) return;
        this.pongs.delete(pong);
        reject(err);
      });
    });
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.socket.close();
  }
}
