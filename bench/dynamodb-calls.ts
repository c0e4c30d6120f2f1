import { agentAuthCode, connectHandshake, signupHandshake, type Invoke } from './flows';
import type { BrokerLib } from './lib';
import { BENCH_ENVIRONMENT, CommandMeter, installRuntime, swallowStdout, type BenchWorld } from './setup';

export interface FlowCalls {
  /** The handler and the case, e.g. `provider-token (sign-up, new user)`. */
  flow: string;
  /** Commands sent to DynamoDB by name (`PutItemCommand`: 2, ...). */
  commands: Record<string, number>;
  total: number;
  /**
   * The total against DynamoDB itself: minus the reads made only because dynalite omits the item that
   * ReturnValuesOnConditionCheckFailure asks for (check-signup while pending).
   */
  onDynamoDB: number;
  /** The issue's target for this row, where it sets one. */
  target?: number;
}

/** Targets of issue 8: the callback in at most 3 commands, the sign-up poll in 1. */
const TARGETS: Record<string, number> = { 'provider-token': 3, 'check-signup': 1 };

/**
 * The DynamoDB commands each handler sends in each flow, counted by a middleware on the table client: a
 * connect handshake (agent code, start, callback with the me-channel on), a sign-up for a new user (with one
 * poll while pending), and a sign-up of the same provider identity again (a returning user).
 */
export async function measureDynamoDBCalls(world: BenchWorld, lib: BrokerLib): Promise<FlowCalls[]> {
  const counter = new CommandMeter();
  await installRuntime(world, lib, counter);
  const rows: FlowCalls[] = [];
  const recording =
    (flow: string): Invoke =>
    async (step, call) => {
      counter.take();
      const result = await call();
      const { commands, emulatorOmittedOldItem } = counter.take();
      const pending = step === 'check-signup' && result.statusCode === 403;
      const total = Object.values(commands).reduce((a, b) => a + b, 0);
      rows.push({
        flow: `${step} (${pending ? 'sign-up pending' : flow})`,
        commands,
        total,
        onDynamoDB: total - emulatorOmittedOldItem,
        ...(TARGETS[step] !== undefined ? { target: TARGETS[step] } : {}),
      });
      return result;
    };

  const session = await lib.issueSessionToken('bench-dynamodb-calls', { key: world.keys.session, environment: BENCH_ENVIRONMENT, now: Date.now() });
  const subject = `calls-${Date.now().toString(36)}`;
  const sink = swallowStdout();
  try {
    const code = await agentAuthCode(lib, session, recording('connect'));
    await connectHandshake(lib, code, recording('connect'));
    const created = await signupHandshake(lib, subject, recording('sign-up, new user'), { pollWhilePending: true });
    const returning = await signupHandshake(lib, subject, recording('sign-up, returning user'));
    if (created.signupStatus !== 'userCreated' || returning.signupStatus !== 'signedIn') {
      throw new Error(`sign-ups answered ${created.signupStatus} then ${returning.signupStatus}`);
    }
  } finally {
    sink.restore();
  }
  return rows;
}
