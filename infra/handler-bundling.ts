import { join } from 'node:path';
import { LogLevel, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

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
