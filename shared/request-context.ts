import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What one invocation knows about itself, for code deep below the handler: the reference id a person can
 * quote (API Gateway's request id, shown on the error page and logged with the failure) and when the
 * function's time runs out (`context.getRemainingTimeInMillis()` at the start). Carried by
 * AsyncLocalStorage, so flows need no extra parameter and concurrent local requests never mix.
 */
export interface RequestContext {
  referenceId: string;
  /** Epoch ms when Lambda stops the function; absent outside Lambda's budget (unit tests, scripts). */
  deadline?: number;
  /** Kept back from provider calls for writing the outcome (a DynamoDB write and the answer). */
  marginMs: number;
}

const current = new AsyncLocalStorage<RequestContext>();

/** The part of Lambda's `context` this uses. */
export interface LambdaTime {
  awsRequestId?: string;
  getRemainingTimeInMillis(): number;
}

/** Up to 5 s, at most a quarter of the function's time: one bounded DynamoDB write and the answer fit in it. */
const marginFor = (remainingMs: number) => Math.min(5_000, Math.floor(remainingMs / 4));

/** Runs one invocation with its reference id and time budget. */
export function runInRequest<T>(referenceId: string | undefined, lambda: LambdaTime | undefined, run: () => Promise<T>): Promise<T> {
  const remaining = lambda?.getRemainingTimeInMillis();
  const context: RequestContext = {
    referenceId: referenceId && /^[A-Za-z0-9=_-]{1,64}$/.test(referenceId) ? referenceId : randomUUID(),
    ...(remaining !== undefined ? { deadline: Date.now() + remaining } : {}),
    marginMs: remaining !== undefined ? marginFor(remaining) : 0,
  };
  return current.run(context, run);
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
