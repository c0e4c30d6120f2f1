import { closeConnection } from '../../shared/handshake/connections';
import { webSocketRoute } from '../../shared/http/routes';

/** WebSocket `$disconnect`: forgets the connection. API Gateway ignores the answer; failures only get logged. */
export const handler = webSocketRoute('ws-disconnect', async (rt, event) => {
  try {
    await closeConnection(rt, event.requestContext.connectionId ?? '');
  } catch (err) {
    rt.logger.warn('me-channel disconnect failed', { errorName: (err as Error).name });
  }
  return { statusCode: 200 };
});
