import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { postJson } from './bare-http';
import { median } from './cold-init';
import type { BrokerLib } from './lib';
import { installRuntime, type BenchWorld } from './setup';

export interface FanOutRow {
  connections: number;
  /** Median wall time of one `MeChannel.publish` (Query the connections, post to each, all answered). */
  publishMs: number;
  minMs: number;
  /** Median CPU of this process per publish, µs. */
  cpuUs: number;
  /** The same publish with the posts made by bare node:http requests instead of the SDK client: the floor. */
  bareHttp: { publishMs: number; cpuUs: number };
}

export interface FanOut {
  repeats: number;
  rows: FanOutRow[];
  /** Publish time to the largest number of connections over the time to one. */
  ratio: number;
  /** CPU per connection beyond the first, µs: what each extra PostToConnection costs the publisher. */
  cpuUsPerExtraConnection: number;
  /** The same with bare node:http posts. */
  bareHttpCpuUsPerExtraConnection: number;
  bareHttpRatio: number;
  /** Every message posted was received by its socket. */
  delivered: number;
  received: number;
}

const DELIVERY_WAIT_MS = 5_000;

/**
 * One user's me-channel with 1, 10, then 100 open connections (sockets opened through the local gateway's
 * `$connect`, in the services process): the time the publishing Lambda spends in `MeChannel.publish` for one
 * message (the Query of the user's connections and one PostToConnection each, in parallel), median of
 * `repeats` after a few unmeasured ones; then the same with the posts made by bare node:http requests (the
 * local gateway does not check signatures), which is the floor of any client. Finally checks that every
 * socket received every message posted to it.
 */
export async function measureFanOut(world: BenchWorld, lib: BrokerLib, options: { sizes?: number[]; repeats: number; progress?: (line: string) => void }): Promise<FanOut> {
  const sizes = [...(options.sizes ?? [1, 10, 100])].sort((a, b) => a - b);
  const rt = await installRuntime(world, lib);
  const meChannel = rt.meChannel!;
  const userId = `fan-out-${Date.now().toString(36)}`;
  const session = await rt.sessions.issue({ userId });
  const rows: FanOutRow[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const management = new URL(world.services.managementUrl);
  let open = 0;
  let delivered = 0;
  try {
    for (const size of sizes) {
      open = await world.services.openSockets(session, size - open);
      if (open !== size) throw new Error(`fan-out: ${open} sockets open, wanted ${size}`);
      const sdk = await repeat(options.repeats, async (i) => {
        const report = await meChannel.publish(userId, { $set: { 'providerInfo.bench.accessToken': `token-${size}-${i}` } }, { version: i + 1 });
        if (report.delivered !== size || report.gone || report.failed) throw new Error(`fan-out to ${size}: ${JSON.stringify(report)}`);
        delivered += report.delivered;
      });
      const bare = await repeat(options.repeats, async (i) => {
        const ids = await rt.connections.ofUser(userId);
        const data = JSON.stringify(lib.meChannelMessage(userId, { $set: { 'providerInfo.bench.accessToken': `bare-${size}-${i}` } }, i + 1));
        await Promise.all(ids.map((id) => postJson(agent, management, `/@connections/${encodeURIComponent(id)}`, data, { 'content-type': 'application/json' })));
        delivered += ids.length;
      });
      rows.push({ connections: size, ...sdk, bareHttp: { publishMs: bare.publishMs, cpuUs: bare.cpuUs } });
      options.progress?.(`fan-out: ${size} connection${size === 1 ? '' : 's'}`);
    }
    let received = 0;
    const until = Date.now() + DELIVERY_WAIT_MS;
    do {
      received = (await world.services.received()).reduce((a, b) => a + b, 0);
      if (received >= delivered) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < until);
    const first = rows[0]!;
    const last = rows.at(-1)!;
    const extra = (one: number, many: number) => (last.connections > first.connections ? (many - one) / (last.connections - first.connections) : 0);
    return {
      repeats: options.repeats,
      rows,
      ratio: last.publishMs / first.publishMs,
      cpuUsPerExtraConnection: extra(first.cpuUs, last.cpuUs),
      bareHttpCpuUsPerExtraConnection: extra(first.bareHttp.cpuUs, last.bareHttp.cpuUs),
      bareHttpRatio: last.bareHttp.publishMs / first.bareHttp.publishMs,
      delivered,
      received,
    };
  } finally {
    agent.destroy();
    await world.services.closeSockets();
  }
}

const WARMUP = 3;

/** Runs `publish` `WARMUP + repeats` times; the median wall time and CPU of the measured ones. */
async function repeat(repeats: number, publish: (i: number) => Promise<void>): Promise<{ publishMs: number; minMs: number; cpuUs: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP + repeats; i++) {
    const before = process.cpuUsage();
    const started = performance.now();
    await publish(i);
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(before);
    if (i < WARMUP) continue; // the first publishes open the client's connections
    times.push(ms);
    cpu.push(user + system);
  }
  return { publishMs: median(times), minMs: Math.min(...times), cpuUs: median(cpu) };
}
