import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** Parameter Store folder of the environment registry: `<prefix>/<runTimeEnvironment>` = publicApiUrl. */
export const ENVIRONMENT_REGISTRY_PREFIX = '/handshake/environments';

export interface EnvironmentRegistryProps {
  environment: string;
  publicApiUrl: string;
}

/**
 * This environment's entry in the registry that the auth origin routes OAuth callbacks by (SPEC, "Shared
 * development apps"): a plain String parameter, created and deleted with the stack.
 *
 * @example
 * new EnvironmentRegistry(this, 'Registry', { environment: 'feature-x', publicApiUrl: http.url });
 */
export class EnvironmentRegistry extends Construct {
  readonly parameter: StringParameter;

  constructor(scope: Construct, id: string, props: EnvironmentRegistryProps) {
    super(scope, id);
    this.parameter = new StringParameter(this, 'Entry', {
      parameterName: `${ENVIRONMENT_REGISTRY_PREFIX}/${props.environment}`,
      stringValue: props.publicApiUrl,
      description: `handshake: public API URL of environment ${props.environment}`,
      tier: ParameterTier.STANDARD,
    });
  }
}
