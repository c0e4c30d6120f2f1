import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { AWS_CALL_BOUNDS } from './aws-call-bounds';
import { containerTracer, tracedSsmProvider } from './tracing';

/** One provider per container: its cache keeps the value across invocations. */
let ssm: SSMProvider | undefined;

/**
 * `<NAME>` holds the JSON itself (local stack, tests), or `<NAME>_PARAMETER` names an SSM SecureString (or
 * `/aws/reference/secretsmanager/<secret>`) holding it, read through Powertools and cached 5 minutes.
 */
export async function readSecretJson(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  if (env[name]) return env[name]!;
  const parameter = env[`${name}_PARAMETER`];
  if (!parameter) throw new Error(`${name} or ${name}_PARAMETER is required`);
  ssm ??= await keyProvider();
  const value = await ssm.get(parameter, { decrypt: true, maxAge: 300 });
  if (!value) throw new Error(`SSM parameter ${parameter} is empty`);
  return value;
}

/** Traced like the runtime's other AWS clients where tracing is on. */
async function keyProvider(): Promise<SSMProvider> {
  const tracer = await containerTracer();
  if (tracer) return tracedSsmProvider(tracer);
  const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
  return new SSMProvider({ clientConfig: { ...AWS_CALL_BOUNDS } });
}
