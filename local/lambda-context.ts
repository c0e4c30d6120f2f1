import { randomUUID } from 'node:crypto';

/** The fields of Lambda's `context` the handlers read, as the local gateways hand them over. */
export interface LocalLambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** What the stack deploys a function with (infra/handler-function.ts): only a default here, nothing reads it. */
const MEMORY_MB = '512';

/** One log stream per function, as one container's: the local gateways run each function in this process. */
const streams = new Map<string, string>();

/**
 * What Lambda hands a handler for one invocation of `handler` (a folder under `functions/`): a fresh request
 * id, names shaped like Lambda's (`handshake-local-<handler>`, `$LATEST`, an ARN in a `local` account, the log
 * group and stream), and the time left of `timeoutMs` from now.
 *
 * @example
 * const context = localLambdaContext('check-signup', 15_000);
 * await handler(event, context);
 */
export function localLambdaContext(handler: string, timeoutMs: number): LocalLambdaContext {
  const started = Date.now();
  const functionName = `handshake-local-${handler}`;
  let stream = streams.get(functionName);
  if (!stream) streams.set(functionName, (stream = `${new Date(started).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`));
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: MEMORY_MB,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: stream,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
}
