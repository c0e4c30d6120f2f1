import { closeConnection } from '../../shared/handshake/connections';
import type { WebSocketEvent } from '../../shared/http/websocket-event';
import { getRuntime } from '../../shared/runtime';

/** WebSocket `$disconnect`: forgets the connection. API Gateway ignores the answer; failures only get logged. */
export const handler = async (event: WebSocketEvent) => {
  const rt = await getRuntime();
  try {
    await closeConnection(rt, event.requestContext.connectionId ?? '');
  } catch (err) {
    rt.logger.warn('me-channel disconnect failed', { errorName: (err as Error).name });
  }
  return { statusCode: 200 };
};
