import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dispatchHttp, type GatewayLimits } from './dispatch';
import type { ApiRoute } from '../shared/http/api-routes';
import { HTTP_HANDLERS, type HttpHandler } from './handlers';

/** The HTTP API on a loopback port: every request goes through `dispatchHttp` to the real handlers. */
export async function startHttpGateway(options: { port?: number; host?: string; handlers?: Record<string, HttpHandler>; routes?: readonly ApiRoute[]; limits?: GatewayLimits } = {}) {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const result = await dispatchHttp({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) }, options.handlers ?? HTTP_HANDLERS, options.routes, options.limits);
    const headers: Record<string, string | string[]> = { ...result.headers };
    if (result.setCookies.length) headers['set-cookie'] = result.setCookies;
    res.writeHead(result.status, headers).end(result.bytes);
  });
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type HttpGateway = Awaited<ReturnType<typeof startHttpGateway>>;
