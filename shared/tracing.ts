import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { boundedSsmProvider } from './aws-call-bounds';

/**
 * X-Ray tracing through Powertools Tracer, on only where the stack turns it on (`POWERTOOLS_TRACE_ENABLED=true`,
 * set with the functions' active tracing). The tracer, and with it the X-Ray SDK, is imported on first use
 * and only then: a function without tracing never evaluates it (a single-file bundle still carries its code).
 *
 * What is traced: the AWS SDK clients the runtimes create (DynamoDB, SSM, the API Gateway management API),
 * each call a subsegment, and each invocation a `## <function>` subsegment annotated with ColdStart and
 * Service. Not traced: outgoing HTTP (`captureHTTPsRequests: false`), because Powertools names those
 * subsegments after the host (an enterprise host can be a private name) and records the path (Trello's
 * revocation URL holds the token); and no response or error is added as metadata (they hold tokens).
 *
 * @example
 * const tracer = await containerTracer();
 * const client = tracer ? tracer.captureAWSv3Client(new DynamoDBClient({})) : new DynamoDBClient({});
 */
export const tracingEnabled = (env: NodeJS.ProcessEnv = process.env) => env.POWERTOOLS_TRACE_ENABLED === 'true';

let current: Promise<Tracer | undefined> | undefined;

/** The container's tracer, undefined where tracing is off; made once. */
export function containerTracer(env: NodeJS.ProcessEnv = process.env): Promise<Tracer | undefined> {
  current ??= tracingEnabled(env)
    ? import('@aws-lambda-powertools/tracer').then(({ Tracer }) => new Tracer({ serviceName: 'handshake', captureHTTPsRequests: false }))
    : Promise.resolve(undefined);
  return current;
}

/**
 * Powertools' SSM provider with its calls bounded (AWS_CALL_BOUNDS), and its SDK client (also usable alone, as
 * `.client`) traced where tracing is on. The client is the provider's own: importing `@aws-sdk/client-ssm`
 * here would bundle all of it.
 */
export async function ssmProvider(env: NodeJS.ProcessEnv = process.env): Promise<SSMProvider> {
  const ssm = await boundedSsmProvider();
  (await containerTracer(env))?.captureAWSv3Client(ssm.client);
  return ssm;
}

/**
 * Runs one invocation in its own subsegment, annotated with ColdStart and Service (Powertools' manual
 * instrumentation of a handler); just runs it where tracing is off or there is no segment (outside Lambda).
 */
export async function traced<T>(name: string, run: () => Promise<T>): Promise<T> {
  const tracer = await containerTracer();
  // Powertools turns itself off outside Lambda (no AWS_EXECUTION_ENV), whatever the variable says.
  const segment = tracer?.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!tracer || !segment) return run();
  const subsegment = segment.addNewSubsegment(`## ${name}`);
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await run();
  } finally {
    subsegment.close();
    tracer.setSegment(segment);
  }
}
