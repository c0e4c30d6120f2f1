import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the browser brought back to the agent after the provider (SPEC, "Claim": loopback mode). */
export interface LoopbackArrival {
  code: string;
  /** The one-time result to claim with; absent when the handshake failed. */
  result?: string;
  /** The SPEC code of a failure. */
  error?: string;
  /** The broker's success or error page, where the browser is sent on. */
  complete: string;
}

/**
 * The agent's side of RFC 8252 §7.3: a listener on `127.0.0.1`, on a port the system picks, under a random
 * path, for one arrival. It sends the browser on to the broker's success or error page with a 302 (to no other
 * origin: anything else gets a plain "return to your IDE"), and answers every other request 404.
 *
 * @example
 * const listener = await LoopbackListener.open('https://handshake.example.com');
 * // start with redirectUri: listener.redirectUri, open the browser, then:
 * const { result } = await listener.arrival(code, AbortSignal.timeout(300_000));
 */
export class LoopbackListener {
  private expected?: string;
  private arrived?: (arrival: LoopbackArrival) => void;
  private readonly early: LoopbackArrival[] = [];

  private constructor(
    private readonly server: Server,
    readonly redirectUri: string,
    private readonly brokerOrigin: string,
  ) {
    const path = new URL(redirectUri).pathname;
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      const code = url.searchParams.get('code');
      const complete = url.searchParams.get('complete') ?? '';
      if (req.method !== 'GET' || url.pathname !== path || !code || (this.expected && code !== this.expected)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not found');
        return;
      }
      if (this.isBrokerPage(complete)) res.writeHead(302, { location: complete, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('You can close this window and return to your IDE.');
      const arrival: LoopbackArrival = { code, complete, ...optional('result', url), ...optional('error', url) };
      if (this.arrived) this.arrived(arrival);
      else this.early.push(arrival);
    });
  }

  static async open(brokerUrl: string): Promise<LoopbackListener> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new LoopbackListener(server, `http://127.0.0.1:${port}/handshake/${randomBytes(16).toString('base64url')}`, new URL(brokerUrl).origin);
  }

  /** Resolves with the browser's arrival for handshake `code`; rejects when `signal` aborts. */
  arrival(code: string, signal: AbortSignal): Promise<LoopbackArrival> {
    this.expected = code;
    const early = this.early.find((arrival) => arrival.code === code);
    if (early) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.arrived = (arrival) => {
        signal.removeEventListener('abort', onAbort);
        resolve(arrival);
      };
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private isBrokerPage(complete: string): boolean {
    try {
      return new URL(complete).origin === this.brokerOrigin;
    } catch {
      return false;
    }
  }
}

const optional = (name: 'result' | 'error', url: URL) => (url.searchParams.get(name) ? { [name]: url.searchParams.get(name)! } : {});
