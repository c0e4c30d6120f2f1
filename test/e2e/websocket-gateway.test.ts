import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi';
import { startWebSocketGateway, type WebSocketGateway } from '../../local/websocket-gateway';
import { LOCAL_AWS } from '../../shared/stores/table';
import type { WebSocketEvent } from '../../shared/http/websocket-event';

/** The local gateway answers as API Gateway does, seen through the SDK client the handlers use. */
let gateway: WebSocketGateway;
const connects: WebSocketEvent[] = [];
let management: ApiGatewayManagementApiClient;

beforeAll(async () => {
  gateway = await startWebSocketGateway({
    connect: async (event) => {
      connects.push(event);
      return { statusCode: 200 };
    },
    disconnect: async () => undefined,
    idleTimeoutMs: 400,
    maxConnectionMs: 60_000,
  });
  management = new ApiGatewayManagementApiClient({ endpoint: gateway.managementUrl, maxAttempts: 1, ...LOCAL_AWS });
});
afterAll(async () => {
  management.destroy();
  await gateway.close();
});

function open(headers: Record<string, string> = {}): Promise<{ socket: WebSocket; id: string; closed: Promise<number> }> {
  const before = new Set(gateway.connectionIds());
  const socket = new WebSocket(gateway.url, { headers });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, id: gateway.connectionIds().find((id) => !before.has(id))!, closed }));
    socket.once('error', reject);
  });
}

describe('the local WebSocket gateway, as API Gateway answers', () => {
  it("passes $connect the headers in the client's case, with the X-Forwarded-* headers", async () => {
    const { socket } = await open({ Authorization: 'Bearer abc', 'X-Custom-Thing': 'yes' });
    const headers = connects.at(-1)!.headers!;
    expect(headers.Authorization).toBe('Bearer abc');
    expect(headers['X-Custom-Thing']).toBe('yes');
    expect(headers.authorization).toBeUndefined();
    expect(headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(headers).toHaveProperty('Sec-WebSocket-Key');
    socket.close();
  });

  it('GetConnection describes a connection; DeleteConnection closes it; both answer GoneException after', async () => {
    const { id, closed } = await open({ 'User-Agent': 'vscode-test' });
    const described = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(described.ConnectedAt).toBeInstanceOf(Date);
    expect(described.LastActiveAt).toBeInstanceOf(Date);
    expect(described.Identity).toMatchObject({ SourceIp: '127.0.0.1', UserAgent: 'vscode-test' });
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect(await closed).toBe(1000);
    await expect(management.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
    await expect(management.send(new DeleteConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
    await expect(management.send(new GetConnectionCommand({ ConnectionId: 'bm90LWEtY29ubmVjdGlvbg=' }))).rejects.toBeInstanceOf(GoneException);
  });

  it('closes an idle connection with 1001 (going away); a message counts as activity', async () => {
    const { socket, closed } = await open();
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.send('{"action":"nothing"}');
    }
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(await closed).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });
});
