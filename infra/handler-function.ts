import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_BUNDLING } from './handler-bundling.js';
import type { HandlerCode } from './handler-code.js';

/**
 * Node.js 24: the newest Lambda runtime aws-cdk-lib knows (cdk-nag AwsSolutions-L1 asks for the latest);
 * nodejs20.x is deprecated and 22 would be flagged.
 */
export const HANDLER_RUNTIME = Runtime.NODEJS_24_X;

export interface HandlerFunctionProps {
  /** Folder under `functions/`: the entry is `functions/<handler>/handler.ts`. */
  handler: string;
  /** Prebuilt bundles, or the repository's sources. */
  code: HandlerCode;
  environment: Record<string, string>;
  timeout: Duration;
  /** @default 512 */
  memorySize?: number;
  /** @default - none: the function draws on the account's unreserved concurrency */
  reservedConcurrency?: number;
  /** Active X-Ray tracing. @default false */
  tracing?: boolean;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * One Lambda handler: one minified ES module with a source map, AWS SDK included so the lockfile pins it
 * (prebuilt in the package, or bundled from the sources by the local esbuild, never Docker); arm64; its own
 * role and its own log group, so it holds no permission until the stack grants one (no
 * AWSLambdaBasicExecutionRole).
 *
 * @example
 * const fn = new HandlerFunction(this, 'CheckSignup', { handler: 'check-signup', code: defaultHandlerCode(), environment: {}, ... });
 */
export class HandlerFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `handshake ${props.handler}: only what this handler uses`,
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.logGroup.grantWrite(this.role);

    const common = {
      runtime: HANDLER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      description: `handshake ${props.handler}`,
      // No NODE_OPTIONS=--enable-source-maps: it adds 17-20 ms to every cold start (npm run bench), and the
      // handlers log error names and messages, never stacks. The maps ship beside the bundle for debugging.
      environment: props.environment,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      ...(props.tracing ? { tracing: Tracing.ACTIVE } : {}),
    };
    if ('bundles' in props.code) {
      const bundle = join(props.code.bundles, props.handler);
      if (!existsSync(join(bundle, 'index.mjs'))) throw new Error(`handler ${props.handler}: ${bundle}/index.mjs does not exist`);
      this.function = new LambdaFunction(this, 'Function', { ...common, code: Code.fromAsset(bundle), handler: 'index.handler' });
    } else {
      const projectRoot = props.code.sources;
      const entry = join(projectRoot, 'functions', props.handler, 'handler.ts');
      if (!existsSync(entry)) throw new Error(`handler ${props.handler}: ${entry} does not exist`);
      assertLocalEsbuild();
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        entry,
        handler: 'handler',
        projectRoot,
        depsLockFilePath: join(projectRoot, 'package-lock.json'),
        bundling: { ...HANDLER_BUNDLING, tsconfig: join(projectRoot, 'tsconfig.json') },
      });
    }
    if (props.tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (AWS X-Ray docs).',
      });
    }
  }
}

/** Without a local esbuild, NodejsFunction silently falls back to building a Docker image: refuse instead. */
function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed (npm ci): handshake bundles with the local esbuild, never with Docker');
  }
}
