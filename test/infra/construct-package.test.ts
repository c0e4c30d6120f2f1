import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `infra/` as the package another team adds to its own CDK app: packed with `npm pack` (which compiles the
 * constructs and prebuilds every handler), installed from the tarball into an empty project whose own
 * aws-cdk-lib and constructs satisfy the peer dependencies, type-checked as that team's TypeScript sees it
 * (through the package's `exports`), compiled, and synthesized by plain Node: no repository sources, no
 * esbuild, no Docker.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let work: string;
let consumer: string;
let template: Template;

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
  Outputs: Record<string, { Value: unknown }>;
}

/** The team's whole CDK app: the README shows these lines. */
const CONSUMER_APP = `import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { HandshakeBroker } from '@handshake/cdk';

const app = new App();
const stack = new Stack(app, 'TeamAuth');
const alarmTopic = new Topic(stack, 'Alarms');
const broker = new HandshakeBroker(stack, 'Handshake', { environmentName: 'team', alarmTopic, publicReservedConcurrency: 20 });
new CfnOutput(stack, 'CallbackUrl', { value: broker.callbackUrl });
app.synth();
`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'handshake-cdk-'));
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: join(root, 'infra'), maxBuffer: 16 * 1024 * 1024 });
  const tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
  consumer = join(work, 'team-app');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'team-app', private: true, type: 'module' }));
  // The peers are the team's own: installed beside the package (here, this repository's copies), not by it.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', tarball], { cwd: consumer });
  for (const peer of ['aws-cdk-lib', 'constructs']) await symlink(join(root, 'node_modules', peer), join(consumer, 'node_modules', peer));
  await writeFile(join(consumer, 'app.ts'), CONSUMER_APP);
  await writeFile(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')], outDir: 'out' },
      files: ['app.ts'],
    }),
  );
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('@handshake/cdk as a package', () => {
  it('ships compiled constructs, declarations and one prebuilt bundle per handler, and no sources', async () => {
    const installed = join(consumer, 'node_modules/@handshake/cdk');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
    expect(manifest.peerDependencies).toEqual({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) });
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(await readdir(join(installed, 'dist'))).toEqual(expect.arrayContaining(['bundles', 'infra', 'shared']));
    const bundles = await readdir(join(installed, 'dist/bundles'));
    expect(bundles).toEqual(expect.arrayContaining(['check-signup', 'provider-token', 'ws-connect', 'auth-origin-callback']));
    for (const handler of bundles) expect((await stat(join(installed, 'dist/bundles', handler, 'index.mjs'))).size).toBeGreaterThan(100);
    const shipped = (await readdir(installed, { recursive: true })).map(String);
    expect(shipped.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(shipped.some((file) => file.startsWith('functions'))).toBe(false);
  });

  it('type-checks the team app through the package exports, and refuses a wrong prop', async () => {
    expect(await readFile(join(root, 'README.md'), 'utf8'), 'the README shows the app this test builds').toContain(CONSUMER_APP);
    await run(process.execPath, [tsc, '-p', consumer]);
    await writeFile(join(consumer, 'wrong.ts'), "import { HandshakeBroker } from '@handshake/cdk';\nexport const make = (s: never) => new HandshakeBroker(s, 'X', { environmentName: 7 });\n");
    await writeFile(join(consumer, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['wrong.ts'] }));
    const wrong = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.wrong.json')]).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(wrong).toMatch(/wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
  }, 120_000);

  it('synthesizes with plain Node from the prebuilt bundles: every function, its alarms on the topic, the dashboard', async () => {
    const outdir = join(consumer, 'cdk.out');
    await run(process.execPath, [join(consumer, 'out/app.js')], { cwd: consumer, env: { ...process.env, CDK_OUTDIR: outdir } });
    template = JSON.parse(await readFile(join(outdir, 'TeamAuth.template.json'), 'utf8'));
    expect(JSON.stringify(template.Outputs.CallbackUrl?.Value)).toMatch(/"\/no-auth\/provider-token\/\{provider\}"/);
    const ofType = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(14);
    for (const fn of functions) {
      expect(fn.Properties!.Handler).toBe('index.handler');
      expect(fn.Properties!.Runtime).toBe('nodejs24.x');
    }
    // Each function's asset is the package's bundle, copied into the cloud assembly as is.
    const assets = (await readdir(outdir)).filter((entry) => entry.startsWith('asset.'));
    expect(assets.length).toBeGreaterThanOrEqual(14);
    for (const asset of assets.slice(0, 3)) expect(await readdir(join(outdir, asset))).toContain('index.mjs');

    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(2 * functions.length + 3);
    const topic = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic')![0];
    for (const alarm of alarms) {
      expect(alarm.Properties!.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties!.OKActions).toEqual([{ Ref: topic }]);
    }
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
    const reserved = functions.filter((fn) => fn.Properties!.ReservedConcurrentExecutions === 20);
    expect(reserved.length).toBeGreaterThan(0);
    expect(reserved.length).toBeLessThan(functions.length);
  }, 120_000);
});
