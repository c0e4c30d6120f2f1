import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

import { HANDLER_NEEDS } from '../infra/handler-needs';
import type { WebSocketEvent } from '../shared/http/websocket-event';
import type { LambdaTime } from '../shared/request-context';
import { localLambdaContext } from './lambda-context';

export type WebSocketHandler = (event: WebSocketEvent, context?: LambdaTime) => Promise<{ statusCode?: number } | undefined>;

/** What Lambda hands the function behind a route (`ws-connect`, `ws-ping`, ...): its names, its deployed timeout. */
const contextFor = (handler: string) => localLambdaContext(handler, (HANDLER_NEEDS[handler]?.timeoutSeconds ?? 10) * 1000);

interface Connection {
  socket: WebSocket;
  idle?: NodeJS.Timeout;
  cap?: NodeJS.Timeout;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

/**
 * What API Gateway's WebSocket API does, on one port: upgrades run the `$connect` handler (a non-2xx answer
 * refuses the upgrade with that status), closes run `$disconnect`, messages go to the route their `action`
 * names (its answer sent back), and the management API that the SDK's
 * ApiGatewayManagementApiClient calls is served on the same origin:
 * `POST /@connections/{id}` (send), `GET` (describe), `DELETE` (close); an unknown id answers 410 Gone.
 * Like API Gateway it closes a connection that sent nothing for 10 minutes, and every connection after 2
 * hours (both configurable, so tests use milliseconds), and hands `$connect` the headers in the case the
 * client sent them, with the `X-Forwarded-*` ones API Gateway adds.
 */
export async function startWebSocketGateway(options: {
  port?: number;
  host?: string;
  connect: WebSocketHandler;
  disconnect: WebSocketHandler;
  /** Message routes by the message's `action` (API Gateway's default route selection, `$request.body.action`). */
  messages?: Record<string, (event: never, context?: LambdaTime) => Promise<{ statusCode?: number; body?: string } | undefined>>;
  /** Closes a connection that sent no message for this long (API Gateway: 10 minutes). */
  idleTimeoutMs?: number;
  /** Closes every connection after this long (API Gateway: 2 hours). */
  maxConnectionMs?: number;
}) {
  const idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
  const maxConnectionMs = options.maxConnectionMs ?? 2 * 3600_000;
  const host = options.host ?? '127.0.0.1';
  const connections = new Map<string, Connection>();
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => void management(req, res));

  function event(routeKey: string, connectionId: string, req?: IncomingMessage, body?: string): WebSocketEvent {
    const url = new URL(req?.url ?? '/', 'http://gateway.local');
    const query = Object.fromEntries(url.searchParams);
    // Node lowercases `headers`; `rawHeaders` keeps the names as the client wrote them, as API Gateway passes them on.
    const headers: Record<string, string> = {};
    const raw = req?.rawHeaders ?? [];
    for (let i = 0; i + 1 < raw.length; i += 2) headers[raw[i]!] = headers[raw[i]!] === undefined ? raw[i + 1]! : `${headers[raw[i]!]},${raw[i + 1]}`;
    if (req) Object.assign(headers, { 'X-Forwarded-For': req.socket.remoteAddress ?? '127.0.0.1', 'X-Forwarded-Port': String(port), 'X-Forwarded-Proto': 'http' });
    return {
      requestContext: {
        routeKey,
        eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
        connectionId,
        requestId: randomUUID(),
        domainName: `${host}:${port}`,
        stage: 'local',
        connectedAt: Date.now(),
        identity: { sourceIp: req?.socket.remoteAddress ?? '127.0.0.1' },
      },
      ...(req ? { headers, ...(url.search ? { queryStringParameters: query } : {}) } : {}),
      ...(body !== undefined ? { body } : {}),
      isBase64Encoded: false,
    };
  }

  server.on('upgrade', async (req, socket, head) => {
    // API Gateway connection ids look like `L0SM9cOFvHcCIhw=`: base64 with padding, which clients must URL-encode.
    const connectionId = randomBytes(10).toString('base64');
    let status = 500;
    try {
      status = (await options.connect(event('$connect', connectionId, req), contextFor('ws-connect')))?.statusCode ?? 200;
    } catch {
      status = 500;
    }
    if (status < 200 || status >= 300) {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const now = Date.now();
      const connection: Connection = { socket: ws, connectedAt: now, lastActiveAt: now, sourceIp: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] ?? '' };
      connections.set(connectionId, connection);
      // API Gateway ends both with 1001 (going away); only the client's messages count as activity.
      const idle = () => {
        clearTimeout(connection.idle);
        connection.idle = setTimeout(() => ws.close(1001, 'Going away'), idleTimeoutMs);
      };
      idle();
      connection.cap = setTimeout(() => ws.close(1001, 'Going away'), maxConnectionMs);
      ws.on('message', (data) => {
        connection.lastActiveAt = Date.now();
        idle();
        void route(ws, connectionId, String(data));
      });
      ws.on('close', () => {
        clearTimeout(connection.idle);
        clearTimeout(connection.cap);
        connections.delete(connectionId);
        void options.disconnect(event('$disconnect', connectionId), contextFor('ws-disconnect')).catch(() => undefined);
      });
    });
  });

  /**
   * A message: the route its `action` names, the handler's `body` sent back (a two-way route). With no such
   * route (and no `$default`), API Gateway answers the sender a Forbidden message; so does this.
   */
  async function route(ws: WebSocket, connectionId: string, data: string) {
    let action: unknown;
    try {
      action = (JSON.parse(data) as { action?: unknown }).action;
    } catch {
      action = undefined;
    }
    const handler = typeof action === 'string' && Object.hasOwn(options.messages ?? {}, action) ? options.messages![action] : undefined;
    if (!handler) {
      ws.send(JSON.stringify({ message: 'Forbidden', connectionId, requestId: randomUUID() }));
      return;
    }
    try {
      const answer = await handler(event(action as string, connectionId, undefined, data) as never, contextFor(`ws-${action as string}`));
      if (answer?.body !== undefined && ws.readyState === ws.OPEN) ws.send(answer.body);
    } catch {
      ws.send(JSON.stringify({ message: 'Internal server error', connectionId, requestId: randomUUID() }));
    }
  }

  async function management(req: IncomingMessage, res: ServerResponse) {
    const match = /^\/(?:[^/]+\/)?@connections\/([^/?]+)$/.exec(new URL(req.url ?? '/', 'http://gateway.local').pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const connectionId = decodeURIComponent(match[1]!);
    const connection = connections.get(connectionId);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end('{"message":null}');
      return;
    }
    switch (req.method) {
      case 'POST':
        connection.socket.send(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      case 'GET':
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          // The REST API's member names (the SDK maps `connectedAt` to `ConnectedAt`).
          JSON.stringify({
            connectedAt: new Date(connection.connectedAt).toISOString(),
            lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
            identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
          }),
        );
        return;
      case 'DELETE':
        connection.socket.close(1000);
        res.writeHead(204).end();
        return;
      default:
        res.writeHead(405).end();
    }
  }

  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://${host}:${port}`,
    managementUrl: `http://${host}:${port}`,
    port,
    connectionCount: () => connections.size,
    /** Drops a client without running $disconnect: what a vanished network does. */
    vanish(connectionId: string) {
      const connection = connections.get(connectionId);
      clearTimeout(connection?.idle);
      clearTimeout(connection?.cap);
      connection?.socket.removeAllListeners('close');
      connection?.socket.terminate();
      connections.delete(connectionId);
    },
    /**
     * Half-open: the gateway keeps the connection (and answers the management API) but nothing reaches the
     * client any more, nor the client's messages the routes: what a dead NAT mapping looks like.
     */
    silence(connectionId: string) {
      const connection = connections.get(connectionId);
      if (!connection) return;
      connection.socket.removeAllListeners('message');
      connection.socket.send = () => undefined;
    },
    connectionIds: () => [...connections.keys()],
    async close() {
      for (const { socket, idle, cap } of connections.values()) {
        clearTimeout(idle);
        clearTimeout(cap);
        socket.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebSocketGateway = Awaited<ReturnType<typeof startWebSocketGateway>>;
