import { randomUUID } from 'node:crypto';
import type { LambdaTime } from '../shared/request-context';

/** What the stack deploys a function with (infra/handler-function.ts). */
const MEMORY_MB = '512';

/**
 * What Lambda hands a handler for one invocation of `handler` (a folder under `functions/`), as far as the
 * handlers read it: a fresh request id, names shaped like Lambda's (`handshake-local-<handler>`, `$LATEST`,
 * an ARN in a `local` account), and the time left of `timeoutMs` from now.
 *
 * @example
 * const context = localLambdaContext('check-signup', 15_000);
 * await handler(event, context);
 */
export function localLambdaContext(handler: string, timeoutMs: number): Required<LambdaTime> {
  const started = Date.now();
  const functionName = `handshake-local-${handler}`;
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: MEMORY_MB,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  };
}
