import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

/**
 * Node.js 24: the newest Lambda runtime aws-cdk-lib knows (cdk-nag AwsSolutions-L1 asks for the latest);
 * nodejs20.x is deprecated and 22 would be flagged.
 */
export const HANDLER_RUNTIME = Runtime.NODEJS_24_X;

/** Some bundled dependencies call `require`, which an ES module does not have. */
const REQUIRE_SHIM = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * How every handler is bundled (NodejsFunction `bundling`, plus the project's tsconfig). `bench/` bundles
 * with the same options through `handlerEsbuildOptions`, so what it measures is what is deployed.
 */
export const HANDLER_BUNDLING = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: REQUIRE_SHIM,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  // File and line numbers are what a stack trace needs; embedding every source would double the upload.
  sourcesContent: false,
  bundleAwsSDK: true,
  logLevel: LogLevel.WARNING,
} satisfies BundlingOptions;

/**
 * esbuild's JS API options for what NodejsFunction runs with HANDLER_BUNDLING when it bundles locally:
 * `esbuild --bundle <entry> --target=node24 --platform=node --format=esm --outfile=<outdir>/index.mjs --minify
 * --sourcemap --sources-content=false --log-level=warning --tsconfig=<root>/tsconfig.json --banner:js=<shim>
 * --main-fields=module,main`, run in the project root, with no externals (the AWS SDK is bundled). An option
 * added to HANDLER_BUNDLING that is not translated here throws, so the two cannot drift apart silently.
 *
 * @example
 * await esbuild.build(handlerEsbuildOptions('check-signup', projectRoot, 'bench/out/bundles/check-signup'));
 */
export function handlerEsbuildOptions(handler: string, projectRoot: string, outdir: string): BuildOptions {
  const { forceDockerBundling, format, target, mainFields, banner, minify, sourceMap, sourceMapMode, sourcesContent, bundleAwsSDK, logLevel, ...untranslated } =
    HANDLER_BUNDLING;
  if (Object.keys(untranslated).length) throw new Error(`handlerEsbuildOptions does not translate ${Object.keys(untranslated).join(', ')}`);
  void forceDockerBundling; // how CDK runs esbuild, not what esbuild does
  const sourcemap = !sourceMap ? false : sourceMapMode === SourceMapMode.DEFAULT ? true : sourceMapMode;
  return {
    entryPoints: [join(projectRoot, 'functions', handler, 'handler.ts')],
    absWorkingDir: projectRoot,
    bundle: true,
    target,
    platform: 'node',
    format,
    outfile: join(outdir, format === OutputFormat.ESM ? 'index.mjs' : 'index.js'),
    minify,
    sourcemap,
    sourcesContent,
    external: bundleAwsSDK ? [] : ['@aws-sdk/*'],
    logLevel,
    tsconfig: join(projectRoot, 'tsconfig.json'),
    banner: { js: banner },
    mainFields,
  };
}

export interface HandlerFunctionProps {
  /** Folder under `functions/`: the entry is `functions/<handler>/handler.ts`. */
  handler: string;
  /** The repository root (holds `functions/`, `package-lock.json`, `tsconfig.json`). */
  projectRoot: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize?: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * One Lambda handler: bundled by the locally installed esbuild (never Docker) into one minified ES module
 * with a source map, AWS SDK included so the lockfile pins it; arm64; its own role and its own log group,
 * so it holds no permission until the stack grants one (no AWSLambdaBasicExecutionRole).
 *
 * @example
 * const fn = new HandlerFunction(this, 'CheckSignup', { handler: 'check-signup', projectRoot, environment: {}, ... });
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const entry = join(props.projectRoot, 'functions', props.handler, 'handler.ts');
    if (!existsSync(entry)) throw new Error(`handler ${props.handler}: ${entry} does not exist`);
    assertLocalEsbuild();

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `handshake ${props.handler}: only what this handler uses`,
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
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
      bundling: { ...HANDLER_BUNDLING, tsconfig: join(props.projectRoot, 'tsconfig.json') },
    });
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
