import { asHandshakeError } from '../../shared/errors';
import { openConnection } from '../../shared/handshake/connections';
import { webSocketRoute } from '../../shared/http/routes';
import { connectToken } from '../../shared/http/websocket-event';

/**
 * WebSocket `$connect`: 200 accepts the connection; 401 refuses it (a session signed out during the call may
 * leave its connection items, which the next publish finds gone and forgets); 503 without a runtime.
 */
export const handler = webSocketRoute('ws-connect', async (rt, event) => {
  try {
    await openConnection(rt, event.requestContext.connectionId ?? '', connectToken(event));
    return { statusCode: 200 };
  } catch (err) {
    const failure = asHandshakeError(err);
    rt.logger.info('me-channel connection refused', { errorCode: failure.code });
    return { statusCode: failure.status };
  }
});
