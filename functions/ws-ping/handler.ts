/**
 * WebSocket route `ping` (`{"action":"ping"}`, SPEC "Me-channel"): answers `{"type":"pong"}` on the same
 * connection (a two-way route: API Gateway sends the returned body back). Agents send one at least every 5
 * minutes, which keeps API Gateway's 10-minute idle timeout from closing the socket. It reads nothing and
 * needs no runtime, so it starts as fast as a function can.
 */
export const handler = async () => ({ statusCode: 200, body: '{"type":"pong"}' });
