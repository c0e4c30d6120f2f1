import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP hop between the broker and dynalite that can drop requests: the broker sees the connection reset
 * (what an unreachable DynamoDB looks like to the SDK), not a mocked client. `fail` picks which requests die
 * by operation (`PutItem`, ...) and body; `down()` drops all of them. `loseAnswersWhen` lets requests through
 * to dynalite and drops their answers instead: a write applied whose caller never hears so. `holdAnswersWhen`
 * lets them through and never answers: applied, and the caller's request timeout is what it hears.
 */
export async function startDynamoFaultProxy(targetEndpoint: string) {
  const target = new URL(targetEndpoint);
  let fail: (operation: string, body: string) => boolean = () => false;
  let lose: (operation: string, body: string) => boolean = () => false;
  let hang: (operation: string, body: string) => boolean = () => false;
  let hold: (operation: string, body: string) => boolean = () => false;
  let dropped = 0;
  let lost = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    if (fail(operation, body.toString('utf8'))) {
      dropped++;
      req.socket.destroy();
      return;
    }
    // Hung: the request is taken and never answered (what a stuck endpoint does); the caller must give up.
    if (hang(operation, body.toString('utf8'))) return;
    const loseAnswer = lose(operation, body.toString('utf8'));
    const holdAnswer = hold(operation, body.toString('utf8'));
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (holdAnswer) {
        // Applied, and the answer never comes: the SDK gives up on its request timeout and tries again.
        lost++;
        answer.resume();
        return;
      }
      if (loseAnswer) {
        // Applied by DynamoDB, its answer lost on the way back: the SDK sees a reset and retries.
        lost++;
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    upstream.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropped: () => dropped,
    lost: () => lost,
    hangWhen(predicate: (operation: string, body: string) => boolean) {
      hang = predicate;
    },
    loseAnswersWhen(predicate: (operation: string, body: string) => boolean) {
      lose = predicate;
    },
    holdAnswersWhen(predicate: (operation: string, body: string) => boolean) {
      hold = predicate;
    },
    down() {
      fail = () => true;
    },
    up() {
      fail = () => false;
      lose = () => false;
      hang = () => false;
      hold = () => false;
    },
    failWhen(predicate: (operation: string, body: string) => boolean) {
      fail = predicate;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
