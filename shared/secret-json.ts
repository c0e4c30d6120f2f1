/**
 * `<NAME>` holds the JSON itself (local stack, tests), or `<NAME>_PARAMETER` names an SSM SecureString (or
 * `/aws/reference/secretsmanager/<secret>`) holding it, read through Powertools and cached 5 minutes.
 */
export async function readSecretJson(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  if (env[name]) return env[name]!;
  const parameter = env[`${name}_PARAMETER`];
  if (!parameter) throw new Error(`${name} or ${name}_PARAMETER is required`);
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  const value = await getParameter(parameter, { decrypt: true, maxAge: 300 });
  if (!value) throw new Error(`SSM parameter ${parameter} is empty`);
  return value;
}
