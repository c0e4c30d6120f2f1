import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface KeyRingProps {
  environment: string;
  /** Protected: the secret survives the stack (a new master key would orphan every stored token). */
  isProtected: boolean;
}

/**
 * The environment's key ring (README, "Configuration"): a Secrets Manager secret `handshake/<env>/keys`
 * holding `{"master": "<64 random characters>"}`, generated at creation and never seen by the deployer.
 * Handlers read it through Parameter Store's Secrets Manager reference, as `HANDSHAKE_KEYS_PARAMETER`.
 *
 * @example
 * const keys = new KeyRing(this, 'Keys', { environment: 'feature-x', isProtected: false });
 * keys.grantRead(fn); // and set fn's HANDSHAKE_KEYS_PARAMETER to keys.parameterName
 */
export class KeyRing extends Construct {
  readonly secret: Secret;
  /** `/aws/reference/secretsmanager/<secret name>`: what `shared/runtime.ts` passes to GetParameter. */
  readonly parameterName: string;
  private readonly referenceArn: string;

  constructor(scope: Construct, id: string, props: KeyRingProps) {
    super(scope, id);
    const secretName = `handshake/${props.environment}/keys`;
    this.secret = new Secret(this, 'Secret', {
      secretName,
      description: `handshake ${props.environment}: master key of the key ring (state, session and token keys derive from it)`,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'master',
        passwordLength: 64,
        excludePunctuation: true,
      },
      // CloudFormation deletes secrets without a recovery window, so a branch can be deployed again at once.
      removalPolicy: props.isProtected ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is the master key every state, session and stored provider token key derives from (HKDF); ' +
        'replacing it on a schedule would make every stored token undecryptable and end every session. ' +
        'Rotation is an operator procedure that keeps old keys readable (README, Configuration: add a key, make it current).',
    });
    this.parameterName = `/aws/reference/secretsmanager/${secretName}`;
    this.referenceArn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.parameterName.slice(1) });
  }

  /** GetParameter on the reference path and GetSecretValue on the secret: nothing else (no DescribeSecret). */
  grantRead(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [this.referenceArn] });
    Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [this.secret.secretArn] });
  }
}
