import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { boundedSsmProvider } from './aws-call-bounds';

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
  // Not traced: the pages read the key ring too, and the tracer's code would add ~130 KB to their bundle.
  ssm ??= await boundedSsmProvider();
  const value = await ssm.get(parameter, { decrypt: true, maxAge: 300 });
  if (!value) throw new Error(`SSM parameter ${parameter} is empty`);
  return value;
}
