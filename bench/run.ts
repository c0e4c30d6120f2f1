import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bundleAll, HANDSHAKE_HANDLERS } from './bundles';
import { measureColdInit, type ColdInitTarget } from './cold-init';
import { measureIngredients } from './cost-breakdown';
import { measureDynamoDBCalls } from './dynamodb-calls';
import { measureFanOut } from './fan-out';
import { measureHandshakeCost } from './handshake-cost';
import { loadBundle, type BrokerLib, type GrantLib } from './lib';
import { checkTargets, markdownReport, textReport, type BenchResults } from './report';
import { PROJECT_ROOT, startWorld, type BenchWorld } from './setup';

/**
 * `npm run bench [-- --quick] [--out <file>] [--bundles <dir>] [--readme] [--handshakes <n>]`: bundles, cold init,
 * per-handshake cost against Grant, DynamoDB commands per flow, me-channel fan-out. Prints the tables, writes the
 * results (default `bench/results.json`; bundles go to `bench/out/bundles`, which git ignores), and with
 * `--readme` puts the tables in README.md's "Benchmarks" section. `--quick` (or BENCH_QUICK=1) runs every
 * measurement with a tiny N, to check that the bench works.
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    out: { type: 'string', default: join(PROJECT_ROOT, 'bench', 'results.json') },
    bundles: { type: 'string', default: join(PROJECT_ROOT, 'bench', 'out', 'bundles') },
    readme: { type: 'boolean', default: false },
    handshakes: { type: 'string' },
  },
});
const quick = values.quick!;
const settings = quick
  ? { coldRuns: 3, handshakes: 20, fanOutRepeats: 3, ingredients: 10 }
  : { coldRuns: 21, handshakes: 2000, fanOutRepeats: 20, ingredients: 200 };
if (values.handshakes) settings.handshakes = Number(values.handshakes);
if (!Number.isInteger(settings.handshakes) || settings.handshakes < 1) throw new Error('--handshakes must be a positive integer');

// The AWS SDK warns on every run that its 2027 releases will need node 22; the bench runs on the node it is given.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const progress = (line: string) => console.error(`  … ${line}`);
const started = performance.now();
const phases: Record<string, number> = {};
/** Runs one measurement and notes how long it took (results.json `phases`, seconds). */
async function phase<T>(name: string, measure: () => T | Promise<T>): Promise<T> {
  const at = performance.now();
  try {
    return await measure();
  } finally {
    phases[name] = (performance.now() - at) / 1000;
  }
}

progress('bundling every handler, Grant and the probes');
const bundles = await phase('bundles', () => bundleAll(resolve(values.bundles!)));

const bundle = (name: string) => bundles.find((b) => b.name === name)!;
const targets: ColdInitTarget[] = [
  ...bundles.filter((b) => b.kind !== 'lib').map((b) => ({ name: b.name, file: b.file })),
  // What NODE_OPTIONS=--enable-source-maps would cost (the stack leaves it off for this reason).
  ...HANDSHAKE_HANDLERS.map((name) => ({ name, file: bundle(name).file, flags: ['--enable-source-maps'] })),
];
progress(`cold init: ${targets.length} bundles and bare node, ${settings.coldRuns} rounds`);
const cold = await phase('coldInit', () => measureColdInit(targets, settings.coldRuns, progress));
const grantCold = cold.find((row) => row.name === 'grant' && row.flags.length === 0)!;
const comparedToGrant = new Set(bundles.filter((b) => b.kind === 'handler' || b.kind === 'split').map((b) => b.name));

let world: BenchWorld | undefined;
let results: BenchResults;
try {
  progress('starting dynalite, the fast provider and the me-channel gateway in a child process');
  world = await startWorld();
  // The in-process measurements call the bundled broker and the bundled Grant, as Lambda would run them.
  const lib = await loadBundle<BrokerLib>(bundle('bench-lib').file);
  const grantLib = await loadBundle<GrantLib>(bundle('grant').file);
  progress(`handshakes: ${settings.handshakes} connect handshakes each, ours and Grant's`);
  const handshake = await phase('handshake', () => measureHandshakeCost(world!, lib, grantLib, { handshakes: settings.handshakes, progress }));
  progress('ingredients of a handshake, one by one');
  const ingredients = await phase('ingredients', () => measureIngredients(world!, lib, settings.ingredients));
  progress('DynamoDB commands per flow');
  const dynamodbCalls = await phase('dynamodbCalls', () => measureDynamoDBCalls(world!, lib));
  progress('fan-out to 1, 10, 100 connections');
  const fanOut = await phase('fanOut', () => measureFanOut(world!, lib, { repeats: settings.fanOutRepeats, progress }));

  const partial: Omit<BenchResults, 'targets'> = {
    schema: 'handshake-bench/1',
    date: new Date().toISOString(),
    quick,
    machine: machine(),
    seconds: (performance.now() - started) / 1000,
    phases,
    bundles: bundles.filter((b) => b.kind !== 'lib').map(({ file: _file, ...rest }) => rest),
    coldInit: {
      runs: settings.coldRuns,
      bareMs: cold.find((row) => row.name === 'bare node')!.medianMs,
      rows: cold.map((row) => (comparedToGrant.has(row.name) ? { ...row, overGrant: row.overBareMs / grantCold.overBareMs } : row)),
    },
    handshake,
    ingredients,
    dynamodbCalls,
    fanOut,
  };
  results = { ...partial, targets: checkTargets(partial) };
} finally {
  await world?.services.close();
}

const out = resolve(values.out!);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(textReport(results));
console.log(`\nresults: ${out}`);
if (values.readme) {
  updateReadme(markdownReport(results));
  console.log('README.md: Benchmarks section updated');
}
// Keep-alive sockets of the clients the handlers built (to services that are gone now) must not hold the run open.
process.exit(0);

function machine(): BenchResults['machine'] {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: os.cpus() names it
  }
  return { node: process.version, cpu, cores: cpus().length, platform: process.platform, arch: process.arch };
}

/** Replaces what is between the bench markers in README.md (the section is written once, by hand). */
function updateReadme(markdown: string): void {
  const file = join(PROJECT_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} block in its Benchmarks section`);
  writeFileSync(file, `${readme.slice(0, from + start.length)}\n${markdown}\n${readme.slice(to)}`);
}
