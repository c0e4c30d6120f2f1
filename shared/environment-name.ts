/**
 * An environment name (RUN_TIME_ENVIRONMENT, the `-c env` of a stack): a lowercase DNS label. A leaf module:
 * the CDK package imports it without the state's JOSE dependency.
 */
const ENVIRONMENT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isEnvironmentName(value: string): boolean {
  return ENVIRONMENT_PATTERN.test(value);
}
