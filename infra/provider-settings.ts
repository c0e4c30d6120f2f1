import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ProviderSettingsProps {
  /** SSM hierarchy, e.g. `/handshake/prod/providers`. */
  path: string;
}

/**
 * Provider client ids and secrets: one SecureString per provider at `<path>/<providerId>`, put there by an
 * operator (CloudFormation cannot create SecureStrings, and a secret does not belong in a template).
 * This construct creates nothing; it names the path and grants reading it.
 *
 * @example
 * const providers = new ProviderSettings(this, 'Providers', { path: '/handshake/prod/providers' });
 * providers.grantRead(fn); // and set fn's PROVIDERS_PARAMETER_PATH to providers.path
 */
export class ProviderSettings extends Construct {
  readonly path: string;
  private readonly pathArn: string;

  constructor(scope: Construct, id: string, props: ProviderSettingsProps) {
    super(scope, id);
    this.path = props.path;
    this.pathArn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: props.path.slice(1) });
  }

  /**
   * GetParametersByPath, which IAM authorizes against the requested path itself (not the parameters it
   * returns), so the path's own ARN is the whole grant: no wildcard. SecureStrings under the default
   * `aws/ssm` key decrypt without a KMS grant; a customer-managed key would need kms:Decrypt.
   */
  grantRead(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['ssm:GetParametersByPath'], resourceArns: [this.pathArn] });
  }
}
