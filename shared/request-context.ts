import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What one invocation knows about itself, for code deep below the handler: the reference id a person can
 * quote (API Gateway's request id, shown on the error page and logged with the failure, and the log lines'
 * correlation id), which Lambda invocation this is (every log line names it), and when the function's time
 * runs out (`context.getRemainingTimeInMillis()` at the start). Carried by AsyncLocalStorage, so flows need
 * no extra parameter and concurrent local requests never mix, which a logger's shared keys would.
 */
export interface RequestContext {
  referenceId: string;
  /** The invocation as Lambda names it; absent outside a handler's invocation (unit tests, scripts). */
  invocation?: InvocationFacts;
  /** Epoch ms when Lambda stops the function; absent outside Lambda's budget (unit tests, scripts). */
  deadline?: number;
  /** Kept back from provider calls for writing the outcome (a DynamoDB write and the answer). */
  marginMs: number;
}

/** Lambda's names for this invocation, as Powertools Logger prints them (`function_request_id`, `cold_start`, ...). */
export type InvocationFacts = Omit<LambdaTime, 'getRemainingTimeInMillis'> & {
  /** The first invocation of this function in this container (never with provisioned concurrency or SnapStart). */
  coldStart: boolean;
};

const current = new AsyncLocalStorage<RequestContext>();

/** The part of Lambda's `context` this uses (the local gateways build the same fields). */
export interface LambdaTime {
  awsRequestId?: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string | number;
  getRemainingTimeInMillis(): number;
}

/** Up to 5 s, at most a quarter of the function's time: one bounded DynamoDB write and the answer fit in it. */
const marginFor = (remainingMs: number) => Math.min(5_000, Math.floor(remainingMs / 4));

/**
 * Functions that ran in this process. One per container in Lambda; the local gateways run every function in
 * one process, so each function's first invocation is its own cold start there too.
 */
const warm = new Set<string>();

function coldStart(functionName: string): boolean {
  if (warm.has(functionName)) return false;
  warm.add(functionName);
  // As Powertools decides it in Lambda: only an on-demand environment was initialised while a request waited
  // (provisioned concurrency and SnapStart were not). Outside Lambda (unset) the local gateways emulate on-demand.
  const initialization = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  return !initialization || initialization === 'on-demand';
}

/**
 * The frame of one invocation, for every handler: its reference id (API Gateway's request id, the one a person
 * can quote and every log line's correlation id), Lambda's names for it and its time budget. The route wrappers
 * (shared/http/routes.ts) use it, inside a trace subsegment; a handler that answers on its own and needs no
 * runtime (the pages, the auth origin) calls it directly.
 *
 * @example
 * export const handler = (event: APIGatewayProxyEventV2, context?: LambdaTime) => inInvocation(event, context, () => page(event));
 */
export function inInvocation<T>(event: { requestContext?: { requestId?: string } }, lambda: LambdaTime | undefined, run: () => Promise<T>): Promise<T> {
  const referenceId = event.requestContext?.requestId;
  const remaining = lambda?.getRemainingTimeInMillis();
  const context: RequestContext = {
    referenceId: referenceId && /^[A-Za-z0-9=_-]{1,64}$/.test(referenceId) ? referenceId : randomUUID(),
    ...(lambda ? { invocation: invocationFacts(lambda) } : {}),
    ...(remaining !== undefined ? { deadline: Date.now() + remaining } : {}),
    marginMs: remaining !== undefined ? marginFor(remaining) : 0,
  };
  return current.run(context, run);
}

function invocationFacts(lambda: LambdaTime): InvocationFacts {
  const { awsRequestId, functionName, functionVersion, invokedFunctionArn, memoryLimitInMB } = lambda;
  return { awsRequestId, functionName, functionVersion, invokedFunctionArn, memoryLimitInMB, coldStart: coldStart(functionName ?? '') };
}

export const requestContext = (): RequestContext | undefined => current.getStore();

/** How long a provider call may take: its own bound, cut to what is left before the margin (at least 1 ms). */
export function providerCallBound(perCallMs: number): number {
  const context = current.getStore();
  if (context?.deadline === undefined) return perCallMs;
  return Math.max(1, Math.min(perCallMs, context.deadline - context.marginMs - Date.now()));
}

/** The function's time for provider calls is used up: what is left is for writing the outcome. */
export function outOfTime(): boolean {
  const context = current.getStore();
  return context?.deadline !== undefined && Date.now() >= context.deadline - context.marginMs - 1;
}

/** Ms until the function is stopped; undefined without a budget. */
export function timeLeftMs(): number | undefined {
  const deadline = current.getStore()?.deadline;
  return deadline === undefined ? undefined : deadline - Date.now();
}
