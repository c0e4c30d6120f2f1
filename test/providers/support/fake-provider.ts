import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake provider received, decoded for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The raw path and query, as requested. */
  url: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** The body's fields when it was form-encoded. */
  form?: Record<string, string>;
  /** The body when it was JSON. */
  json?: unknown;
}

export interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (`application/json`). */
  body?: unknown;
}

export type FakeRoute = FakeAnswer | ((request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>);

/** A JSON answer, the way most token endpoints answer. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): FakeAnswer => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

/** A form-encoded answer, the way OAuth 1.0a token endpoints answer. */
export const formAnswer = (fields: Record<string, string>, status = 200): FakeAnswer => ({
  status,
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/**
 * A stand-in for a third-party provider on loopback: it answers each route as the test says (the provider's
 * documented responses), 404s anything else, and records every request for assertions.
 *
 * @example
 * const fake = await startFakeProvider();
 * fake.on('POST', '/oauth/token', json({ access_token: 'a', token_type: 'Bearer' }));
 * fake.last('POST', '/oauth/token')?.form?.code;
 */
export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  private routes = new Map<string, FakeRoute>();

  constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  on(method: string, path: string, route: FakeRoute): this {
    this.routes.set(`${method} ${path}`, route);
    return this;
  }

  /** Forgets routes and recorded requests. */
  reset(): void {
    this.routes.clear();
    this.requests.length = 0;
  }

  received(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  last(method: string, path: string): RecordedRequest | undefined {
    return this.received(method, path).at(-1);
  }

  /** @internal */
  answer(request: RecordedRequest): FakeAnswer | Promise<FakeAnswer> {
    const route = this.routes.get(`${request.method} ${request.path}`);
    if (!route) return json({ error: 'not_found' }, 404);
    return typeof route === 'function' ? route(request) : route;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://fake.local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim();
  const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, url: req.url ?? '/', query: Object.fromEntries(url.searchParams), headers, body };
  if (type === 'application/x-www-form-urlencoded') recorded.form = Object.fromEntries(new URLSearchParams(body));
  if (type === 'application/json' && body) recorded.json = JSON.parse(body);
  return recorded;
}

export async function startFakeProvider(): Promise<FakeProvider> {
  let fake: FakeProvider | undefined;
  const server = createServer(async (req, res) => {
    const request = await record(req);
    fake!.requests.push(request);
    const answer = await fake!.answer(request);
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, { ...(typeof answer.body === 'object' ? { 'content-type': 'application/json' } : {}), ...answer.headers });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake = new FakeProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return fake;
}
