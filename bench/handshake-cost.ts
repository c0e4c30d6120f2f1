import { performance } from 'node:perf_hooks';
import { connectHandshake, grantHandshake, type Invoke, type Step } from './flows';
import type { BrokerLib, GrantLib } from './lib';
import { BENCH_API_URL, CommandMeter, installRuntime, swallowStdout, type BenchWorld } from './setup';

/** Per call of one handler (or per handshake for the totals). */
export interface Cost {
  /** CPU of this process (user + system), µs. */
  cpuUs: number;
  wallMs: number;
}

export interface HandshakeCost {
  /** Measured handshakes per side (after `warmup` unmeasured ones). */
  handshakes: number;
  warmup: number;
  ours: Cost & {
    steps: Partial<Record<Step, Cost>>;
    /** Inside the DynamoDB commands (the table client's middleware stack, signing, HTTP, parsing), per handshake. */
    dynamodb: Cost & { commands: number };
    logBytesPerHandshake: number;
  };
  grant: Cost & { steps: Partial<Record<Step, Cost>> };
  /** Ours divided by Grant's: below 1, we are cheaper. */
  cpuRatio: number;
  wallRatio: number;
}

/** Our handlers in the order a connect handshake calls them (SPEC v2): start, visit, callback, claim. */
export const OUR_STEPS: Step[] = ['provider-auth-code', 'provider-auth', 'provider-token', 'check-signup'];

/**
 * N connect handshakes through the real handlers, loopback mode (provider-auth-code: the start, one record;
 * provider-auth: the visit, sealed state and binding cookie; provider-token: state, cookie, the visit spent,
 * exchange, identity read, the encrypted result kept; check-signup: the claim, which commits: the encrypted
 * token stored, the answer recorded, the me-channel publish) and N through Grant's Lambda handler (connect,
 * then callback: state check, exchange), alternating in chunks so both meet the same machine. Both run as
 * bundled with the handlers' esbuild options. Only the handler invocations are measured (process CPU and
 * wall time around each call); the browser's hop to the provider, the events, and the users' session tokens
 * (issued beforehand: a sign-up's work) are not. DynamoDB, the provider and the me-channel gateway run in the
 * services process, so their CPU is not counted here; the CPU spent inside the DynamoDB commands is metered apart.
 *
 * The handlers log as deployed (Powertools, INFO); while measuring, stdout is swallowed (its bytes counted).
 */
export async function measureHandshakeCost(
  world: BenchWorld,
  lib: BrokerLib,
  grantLib: GrantLib,
  options: { handshakes: number; progress?: (line: string) => void },
): Promise<HandshakeCost> {
  const { handshakes } = options;
  // Ours and Grant's alternate in chunks, so a slow spell of the shared machine hits both alike.
  const chunk = Math.min(100, handshakes);
  const warmup = Math.min(100, handshakes);
  const meter = new CommandMeter();
  const rt = await installRuntime(world, lib, meter);
  const grant = grantLib.grantHandler({ origin: BENCH_API_URL, providerUrl: world.services.providerUrl, clientId: world.grantClient.clientId, clientSecret: world.grantClient.clientSecret });

  // Each handshake connects its own signed-up user: the session tokens are made before anything is measured.
  const sessions: string[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < warmup + handshakes; i++) {
    sessions.push(await rt.sessions.issue({ userId: `bench-${run}-${i}`, account: `bench-${i}@example.test` }));
  }

  const totals: Partial<Record<Step, Cost & { calls: number }>> = {};
  const measured: Invoke = async (step, call) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await call();
    const wallMs = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    const total = (totals[step] ??= { cpuUs: 0, wallMs: 0, calls: 0 });
    total.cpuUs += user + system;
    total.wallMs += wallMs;
    total.calls++;
    return result;
  };

  const sink = swallowStdout();
  try {
    let next = 0;
    for (let i = 0; i < warmup; i++) {
      await connectHandshake(lib, sessions[next++]!);
      await grantHandshake(grant);
    }
    sink.bytes = 0;
    Object.assign(meter, { cpuUs: 0, wallMs: 0 });
    meter.take();
    for (let done = 0; done < handshakes; ) {
      const n = Math.min(chunk, handshakes - done);
      for (let i = 0; i < n; i++) await connectHandshake(lib, sessions[next++]!, measured);
      for (let i = 0; i < n; i++) await grantHandshake(grant, measured);
      done += n;
      if (done % 500 === 0 || done === handshakes) sink.aside(() => options.progress?.(`handshakes: ${done}/${handshakes} each`));
    }
  } finally {
    sink.restore();
  }

  const side = (steps: Step[]) => {
    const costs: Partial<Record<Step, Cost>> = {};
    for (const step of steps) {
      const total = totals[step]!;
      costs[step] = { cpuUs: total.cpuUs / total.calls, wallMs: total.wallMs / total.calls };
    }
    return {
      cpuUs: steps.reduce((sum, step) => sum + costs[step]!.cpuUs, 0),
      wallMs: steps.reduce((sum, step) => sum + costs[step]!.wallMs, 0),
      steps: costs,
    };
  };
  const ours = {
    ...side(OUR_STEPS),
    dynamodb: { cpuUs: meter.cpuUs / handshakes, wallMs: meter.wallMs / handshakes, commands: meter.total / handshakes },
    logBytesPerHandshake: sink.bytes / handshakes,
  };
  const theirs = side(['grant-connect', 'grant-callback']);
  return { handshakes, warmup, ours, grant: theirs, cpuRatio: ours.cpuUs / theirs.cpuUs, wallRatio: ours.wallMs / theirs.wallMs };
}
