import WebSocket from 'ws';

export interface MeChannelMessage {
  channel: string;
  message: { user: { id: string; $set?: Record<string, unknown>; $unset?: Record<string, unknown> }; requestId?: string };
}

/**
 * One open me-channel connection. Messages are delivered to every `wait` predicate still pending, and
 * kept in `received` for inspection.
 */
export class MeChannelListener {
  readonly received: MeChannelMessage[] = [];
  private waiters = new Set<(message: MeChannelMessage) => void>();

  /** Resolves with the close code once the socket is closed, by either side (sign-out closes it server-side). */
  readonly closed: Promise<number>;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('message', (data) => {
      let message: MeChannelMessage;
      try {
        message = JSON.parse(String(data)) as MeChannelMessage;
      } catch {
        return;
      }
      this.received.push(message);
      for (const waiter of [...this.waiters]) waiter(message);
    });
  }

  /** Opens the me-channel with the session token; rejects with the HTTP status if the server refuses. */
  static open(wsUrl: string, sessionToken: string): Promise<MeChannelListener> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(sessionToken)}`);
      socket.once('open', () => resolve(new MeChannelListener(socket)));
      socket.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`me-channel refused: ${res.statusCode}`), { status: res.statusCode }));
        socket.terminate();
      });
      socket.once('error', reject);
    });
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

  close(): void {
    this.socket.close();
  }
}
