import { asHandshakeError } from '../../shared/errors';
import { openConnection } from '../../shared/handshake/connections';
import { connectToken, type WebSocketEvent } from '../../shared/http/websocket-event';
import { getRuntime } from '../../shared/runtime';

/**
 * WebSocket `$connect`: 200 accepts the connection; 401 refuses it (a session signed out during the call may
 * leave its connection items, which the next publish finds gone and forgets).
 */
export const handler = async (event: WebSocketEvent) => {
  const rt = await getRuntime().catch(() => undefined);
  if (!rt) return { statusCode: 503 };
  rt.logger.logEventIfEnabled(event);
  try {
    await openConnection(rt, event.requestContext.connectionId ?? '', connectToken(event));
    return { statusCode: 200 };
  } catch (err) {
    const failure = asHandshakeError(err);
    rt.logger.info('me-channel connection refused', { errorCode: failure.code });
    return { statusCode: failure.status };
  }
};
