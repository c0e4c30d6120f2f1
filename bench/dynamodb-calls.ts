import { connectHandshake, signupHandshake, type Invoke, type Phase } from './flows';
import type { BrokerLib } from './lib';
import { CommandMeter, installRuntime, swallowStdout, type BenchWorld } from './setup';

export interface FlowCalls {
  /** The protocol step and the case, e.g. `claim (sign-up, new user)`. */
  flow: string;
  /** The handler that served it. */
  handler: string;
  /** Commands sent to DynamoDB by name (`PutItemCommand`: 2, ...). */
  commands: Record<string, number>;
  total: number;
  /**
   * The total against DynamoDB itself: minus the GetItem the code makes after a refused conditional write only
   * because dynalite, unlike DynamoDB, does not return the item with the refusal
   * (ReturnValuesOnConditionCheckFailure).
   */
  onDynamoDB: number;
  /** The budget for this row, where the issue sets one. */
  target?: Budget;
}

/** At most `max` commands on DynamoDB; with `plusPublishQuery`, the me-channel publish's Query comes on top. */
export interface Budget {
  max: number;
  plusPublishQuery?: boolean;
  /** A Bearer call: plus the session check's one GetItem (revocable sessions). */
  plusSession?: boolean;
}

/**
 * The budgets of the agent-bound handshakes (SPEC v2) issue: start ≤ 1, browser visit ≤ 1 (in poll mode the
 * confirmation page and the typed user code each), callback ≤ 2, connect claim ≤ 3 plus the publish Query,
 * a new user's sign-up claim ≤ 5. The revocable-sessions issue adds one read to every Bearer call (connect's
 * start and claim) and the session record to the sign-up claim, which still fits in 5: the token and its
 * change number (`version`) ride on the profile write. A returning user's claim and a pending claim have none.
 */
function budgetFor(phase: Phase, flow: string): Budget | undefined {
  switch (phase) {
    case 'start':
      return { max: 1, plusSession: flow.startsWith('connect') };
    case 'browser visit':
    case 'confirmation page':
    case 'user code':
      return { max: 1 };
    case 'callback':
      return { max: 2 };
    case 'claim':
      if (flow.startsWith('connect')) return { max: 3, plusSession: true, plusPublishQuery: true };
      if (flow === 'sign-up, new user') return { max: 5 };
      return undefined;
    default:
      return undefined;
  }
}

/** The commands a row's budget counts: on DynamoDB, less the one publish Query and the one session read where the budget allows them. */
export function budgeted(row: FlowCalls): number {
  const publishQuery = row.target?.plusPublishQuery ? Math.min(1, row.commands.QueryCommand ?? 0) : 0;
  const sessionRead = row.target?.plusSession ? Math.min(1, row.commands.GetItemCommand ?? 0) : 0;
  return row.onDynamoDB - publishQuery - sessionRead;
}

export const budgetText = (budget: Budget) => `≤ ${budget.max}${budget.plusSession ? ' + session' : ''}${budget.plusPublishQuery ? ' + Query' : ''}`;

/**
 * The DynamoDB commands each step sends, counted by a middleware on the table client: a connect handshake in
 * loopback mode (its claim publishes on the me-channel), a sign-up of a new user and of the same provider
 * identity again (a returning user), and a connect in poll mode (the agent's first poll comes before the
 * person confirmed; the confirmation page, then the typed user code).
 */
export async function measureDynamoDBCalls(world: BenchWorld, lib: BrokerLib): Promise<FlowCalls[]> {
  const counter = new CommandMeter();
  const rt = await installRuntime(world, lib, counter);
  const rows: FlowCalls[] = [];
  const recording =
    (flow: string): Invoke =>
    async (step, call, phase) => {
      counter.take();
      const result = await call();
      const { commands, emulatorOmittedOldItem } = counter.take();
      const total = Object.values(commands).reduce((a, b) => a + b, 0);
      const target = budgetFor(phase, flow);
      rows.push({ flow: `${phase} (${flow})`, handler: step, commands, total, onDynamoDB: total - emulatorOmittedOldItem, ...(target ? { target } : {}) });
      return result;
    };

  const session = await rt.sessions.issue({ userId: `bench-dynamodb-calls-${Date.now().toString(36)}`, account: 'bench@example.test' });
  const subject = `calls-${Date.now().toString(36)}`;
  const sink = swallowStdout();
  try {
    await connectHandshake(lib, session, recording('connect'));
    const created = await signupHandshake(lib, subject, recording('sign-up, new user'));
    const returning = await signupHandshake(lib, subject, recording('sign-up, returning user'));
    if (created.signupStatus !== 'userCreated' || returning.signupStatus !== 'signedIn') {
      throw new Error(`sign-ups answered ${created.signupStatus} then ${returning.signupStatus}`);
    }
    await connectHandshake(lib, session, recording('connect, poll'), { mode: 'poll', pollWhilePending: true });
  } finally {
    sink.restore();
  }
  return rows;
}
