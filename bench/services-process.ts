import { MeChannelListener } from '../local/me-channel-listener';
import { ensureTable, startDynalite } from '../local/dynamodb';
import { startFastProvider, type FastClient } from '../local/fast-provider';
import { WEBSOCKET_HANDLERS } from '../local/handlers';
import { startWebSocketGateway } from '../local/websocket-gateway';

/**
 * The bench's stand-ins for AWS and the provider, in a process of their own so that the broker process's
 * `process.cpuUsage()` counts the broker only: dynalite, the fast local provider, and the local me-channel
 * gateway (running the real `$connect`/`$disconnect` handlers) with the agents' sockets. Started by
 * `bench/services.ts` over IPC; the runtime of the gateway's handlers comes from the environment it is given.
 */

export type ServicesRequest =
  | { id: number; op: 'open'; sessionToken: string; count: number }
  | { id: number; op: 'received' }
  | { id: number; op: 'close-sockets' }
  | { id: number; op: 'stop' };

export interface ServicesReady {
  op: 'ready';
  dynamoEndpoint: string;
  providerUrl: string;
  wsUrl: string;
  managementUrl: string;
}

export interface ServicesAnswer {
  id: number;
  ok: boolean;
  error?: string;
  opened?: number;
  /** Me-channel messages received by each open socket, in the order they were opened. */
  received?: number[];
}

const OPEN_TIMEOUT_MS = 10_000;

async function main() {
  const clients = JSON.parse(process.env.BENCH_CLIENTS ?? '[]') as FastClient[];
  const table = process.env.TABLE_NAME!;
  const dynamo = await startDynalite();
  await ensureTable(dynamo.endpoint, table);
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  const provider = await startFastProvider({ clients });
  const gateway = await startWebSocketGateway(WEBSOCKET_HANDLERS);
  const sockets: MeChannelListener[] = [];

  const stop = async () => {
    for (const socket of sockets) socket.close();
    await gateway.close();
    await provider.close();
    await dynamo.close();
    process.exit(0);
  };

  process.on('message', async (request: ServicesRequest) => {
    const answer = (body: Omit<ServicesAnswer, 'id'>) => process.send!({ id: request.id, ...body } satisfies ServicesAnswer);
    try {
      switch (request.op) {
        case 'open': {
          for (let i = 0; i < request.count; i++) {
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('me-channel open timed out')), OPEN_TIMEOUT_MS);
            });
            sockets.push(await Promise.race([MeChannelListener.open(gateway.url, request.sessionToken), timeout]).finally(() => clearTimeout(timer)));
          }
          return answer({ ok: true, opened: sockets.length });
        }
        case 'received':
          return answer({ ok: true, received: sockets.map((socket) => socket.received.length) });
        case 'close-sockets':
          for (const socket of sockets.splice(0)) socket.close();
          return answer({ ok: true });
        case 'stop':
          answer({ ok: true });
          return await stop();
      }
    } catch (err) {
      answer({ ok: false, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  });
  // The parent going away (killed, crashed) must not leave this process behind.
  process.on('disconnect', () => void stop());

  process.send!({ op: 'ready', dynamoEndpoint: dynamo.endpoint, providerUrl: provider.url, wsUrl: gateway.url, managementUrl: gateway.managementUrl } satisfies ServicesReady);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
