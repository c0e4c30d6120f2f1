import type { Bundle } from './bundles';
import type { ColdInit } from './cold-init';
import type { Ingredient, IngredientId } from './cost-breakdown';
import { budgeted, budgetText, type FlowCalls } from './dynamodb-calls';
import type { FanOut } from './fan-out';
import { OUR_STEPS, type HandshakeCost } from './handshake-cost';

/** A goal (of issue 8, or a DynamoDB budget of the agent-bound handshakes issue) and whether this run met it. */
export interface TargetCheck {
  name: string;
  goal: string;
  value: string;
  met: boolean;
}

/** Everything one `npm run bench` measured: `bench/results.json`. */
export interface BenchResults {
  schema: 'handshake-bench/1';
  date: string;
  quick: boolean;
  machine: { node: string; cpu: string; cores: number; platform: string; arch: string };
  seconds: number;
  /** Seconds each measurement took. */
  phases: Record<string, number>;
  bundles: Omit<Bundle, 'file'>[];
  coldInit: { runs: number; bareMs: number; rows: (ColdInit & { overGrant?: number })[] };
  handshake: HandshakeCost;
  ingredients: Ingredient[];
  dynamodbCalls: FlowCalls[];
  fanOut: FanOut;
  targets: TargetCheck[];
}

const TARGETS = {
  coldInitOverBareMs: 60,
  fanOutRatio: 3,
};

interface Table {
  title: string;
  headers: string[];
  /** `r` right-aligns a column (numbers). */
  align: ('l' | 'r')[];
  rows: string[][];
  notes?: string[];
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (value: number) => value.toFixed(1);
const us = (value: number) => value.toFixed(0);
const mark = (met: boolean) => (met ? 'met' : 'MISSED');

const plainCold = (results: Omit<BenchResults, 'targets'>) => new Map(results.coldInit.rows.filter((row) => row.flags.length === 0).map((row) => [row.name, row]));

/** The goals of the issue, checked against the results. */
export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const cold = plainCold(results);
  const grant = cold.get('grant');
  const auth = cold.get('provider-auth');
  if (grant && auth) {
    checks.push({ name: 'cold init provider-auth', goal: `≤ Grant (${ms(grant.overBareMs)} ms)`, value: `${ms(auth.overBareMs)} ms`, met: auth.overBareMs <= grant.overBareMs });
  }
  for (const bundle of results.bundles.filter((b) => b.kind === 'handler' && b.usesDynamoDB)) {
    const row = cold.get(bundle.name);
    if (row) checks.push({ name: `cold init ${bundle.name}`, goal: `≤ ${TARGETS.coldInitOverBareMs} ms over bare node`, value: `${ms(row.overBareMs)} ms`, met: row.overBareMs <= TARGETS.coldInitOverBareMs });
  }
  const { handshake } = results;
  checks.push({
    name: 'CPU per connect handshake',
    goal: `≤ Grant (${us(handshake.grant.cpuUs)} µs)`,
    value: `${us(handshake.ours.cpuUs)} µs (×${handshake.cpuRatio.toFixed(2)})`,
    met: handshake.ours.cpuUs <= handshake.grant.cpuUs,
  });
  for (const row of results.dynamodbCalls.filter((r) => r.target !== undefined)) {
    // Counted as the budget counts: `3 + Query` for a connect claim that published.
    const budget = budgeted(row);
    const counted = `${budget}${budget < row.onDynamoDB ? ' + Query' : ''}`;
    const value = row.onDynamoDB === row.total ? counted : `${counted} (${row.total} on dynalite)`;
    checks.push({ name: `DynamoDB calls ${row.flow}`, goal: budgetText(row.target!), value, met: budget <= row.target!.max });
  }
  checks.push({ name: 'fan-out 100:1', goal: `≤ ${TARGETS.fanOutRatio}`, value: results.fanOut.ratio.toFixed(1), met: results.fanOut.ratio <= TARGETS.fanOutRatio });
  return checks;
}

function tables(results: BenchResults): Table[] {
  // Met or missed comes from checkTargets only, so the tables and results.targets cannot disagree.
  const verdict = (name: string) => {
    const checks = results.targets.filter((check) => check.name === name);
    return checks.length ? mark(checks.every((check) => check.met)) : '';
  };
  const byName = new Map(results.bundles.map((b) => [b.name, b]));
  const bundleTable: Table = {
    title: '1. Bundles, each as the CDK stack bundles it (esbuild: ESM, node24, minified, AWS SDK bundled)',
    headers: ['bundle', 'KB min', 'KB gzip', 'DynamoDB', 'largest parts (KB)'],
    align: ['l', 'r', 'r', 'l', 'l'],
    rows: results.bundles
      .filter((b) => b.kind === 'handler' || b.kind === 'grant')
      .map((b) => [
        b.name,
        kb(b.bytes),
        kb(b.gzipBytes),
        b.usesDynamoDB ? 'yes' : '-',
        Object.entries(b.composition)
          .slice(0, 3)
          .map(([origin, bytes]) => `${origin} ${kb(bytes)}`)
          .join(', '),
      ]),
  };

  const cold = plainCold(results);
  const grant = cold.get('grant');
  const coldRows = results.coldInit.rows.filter((row) => row.name !== 'bare node' && !row.name.startsWith('probe:'));
  const coldTable: Table = {
    title: `2. Cold init: node importing the bundle, median of ${results.coldInit.runs} runs, minus bare node (${ms(results.coldInit.bareMs)} ms in the same run); import() timed inside node`,
    headers: ['bundle', 'KB parsed', 'median ms', 'over bare ms', 'vs Grant', 'import() ms', 'target', ''],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    rows: coldRows.map((row) => {
      const bundle = byName.get(row.name);
      const plain = row.flags.length === 0;
      let target = '';
      let met = '';
      if (plain && bundle?.kind === 'handler' && row.name === 'provider-auth' && grant) {
        target = `≤ Grant, ≤ ${TARGETS.coldInitOverBareMs}`;
        met = verdict(`cold init ${row.name}`);
      } else if (plain && bundle?.kind === 'handler' && bundle.usesDynamoDB) {
        target = `≤ ${TARGETS.coldInitOverBareMs}`;
        met = verdict(`cold init ${row.name}`);
      }
      const label = bundle?.kind === 'split' ? `${row.name}: esbuild splitting, not deployed` : plain ? row.name : `${row.name} ${row.flags.join(' ')} (not deployed)`;
      return [label, bundle ? kb(bundle.initBytes) : '', ms(row.medianMs), ms(row.overBareMs), row.overGrant === undefined ? '' : `×${row.overGrant.toFixed(2)}`, ms(row.importMs), target, met];
    }),
  };
  const probeTable: Table = {
    title: '2b. Where cold init goes: one dependency bundled alone (same options), over bare node',
    headers: ['import', 'KB min', 'over bare ms', 'import() ms'],
    align: ['l', 'r', 'r', 'r'],
    rows: results.coldInit.rows.filter((row) => row.name.startsWith('probe:')).map((row) => [row.name.replace('probe:', ''), kb(byName.get(row.name)?.bytes ?? 0), ms(row.overBareMs), ms(row.importMs)]),
  };

  const { handshake: h } = results;
  const step = (name: keyof HandshakeCost['ours']['steps'], side: { steps: HandshakeCost['ours']['steps'] }) => {
    const cost = side.steps[name];
    return cost ? `${name} ${us(cost.cpuUs)} µs / ${cost.wallMs.toFixed(2)} ms` : '';
  };
  const handshakeTable: Table = {
    title: `3. Server cost per connect handshake, in process: ${h.handshakes} each after ${h.warmup} warm-up (DynamoDB, provider, gateway in another process)`,
    headers: ['broker', 'CPU µs', 'wall ms', 'per handler call (CPU / wall)', 'target', ''],
    align: ['l', 'r', 'r', 'l', 'l', 'l'],
    rows: [
      ['handshake', us(h.ours.cpuUs), h.ours.wallMs.toFixed(2), OUR_STEPS.map((name) => step(name, h.ours)).join('; '), '≤ Grant CPU', verdict('CPU per connect handshake')],
      ['Grant', us(h.grant.cpuUs), h.grant.wallMs.toFixed(2), `${step('grant-connect', h.grant)}; ${step('grant-callback', h.grant)}`, '', ''],
      ['ratio', `×${h.cpuRatio.toFixed(2)}`, `×${h.wallRatio.toFixed(2)}`, '', '', ''],
      ['  of which in DynamoDB commands', us(h.ours.dynamodb.cpuUs), h.ours.dynamodb.wallMs.toFixed(2), `${h.ours.dynamodb.commands.toFixed(1)} commands per handshake, metered by a middleware on the table client`, '', ''],
      ['  outside them', us(h.ours.cpuUs - h.ours.dynamodb.cpuUs), (h.ours.wallMs - h.ours.dynamodb.wallMs).toFixed(2), 'sessions, state, cookie, exchange, identity, sealing, handler code, logs, GC', '', ''],
    ],
    notes: [
      'handshake (SPEC v2, loopback): the start (session check, one record), the visit (sealed JWE state, browser-binding cookie, the visit',
      'taken with a conditional write), the callback (the visit spent, exchange, identity read, the result kept encrypted) and the claim,',
      'where the commit now happens: session check, lease, token encrypted and stored, answer recorded, me-channel publish (Query).',
      `All four handler calls are counted: the claim is part of the server cost now. INFO logs ${us(h.ours.logBytesPerHandshake)} B per handshake.`,
      'Grant: random state + PKCE in a signed cookie, the exchange; stores nothing, reads no identity, binds nothing to an agent.',
    ],
  };
  const ingredient = (id: IngredientId) => results.ingredients.find((i) => i.id === id);
  const ingredientNotes: string[] = [];
  const bareDb = ingredient('dynamodb-bare');
  const exchange = ingredient('exchange-simple-oauth2');
  const bareExchange = ingredient('exchange-bare');
  const attributed = results.ingredients.filter((i) => i.perHandshake !== undefined);
  if (bareDb && exchange && bareExchange && attributed.length) {
    const inDynamo = h.ours.dynamodb.cpuUs;
    const outside = h.ours.cpuUs - inDynamo;
    const known = attributed.reduce((sum, i) => sum + i.cpuUs * i.perHandshake!, 0);
    const rest = outside - known;
    const lean = h.ours.dynamodb.commands * bareDb.cpuUs + (known - exchange.cpuUs + bareExchange.cpuUs) + Math.max(0, rest);
    const label: Partial<Record<IngredientId, string>> = { 'exchange-simple-oauth2': 'exchange', 'identity-userinfo': 'identity', 'state-jwe': 'state', 'sealed-json': 'seals', 'session-jwt': 'session checks' };
    const parts = attributed.map((i) => `${label[i.id] ?? i.id} ${i.perHandshake! > 1 ? `${i.perHandshake} × ${us(i.cpuUs)}` : us(i.cpuUs)}`);
    ingredientNotes.push(
      `In the handshake: ${us(inDynamo)} µs inside its ${h.ours.dynamodb.commands.toFixed(0)} DynamoDB commands (${us(inDynamo / h.ours.dynamodb.commands)} each), ${us(outside)} µs outside them:`,
      `${parts.join(', ')}, the rest ${us(rest)} (four handler invocations, socket and HTTP work finishing outside the metered calls, GC, logs).`,
      `With bare HTTP for the DynamoDB commands and the exchange it would be ≈ ${us(lean)} µs; Grant: ${us(h.grant.cpuUs)} µs.`,
    );
  }
  const ingredientTable: Table = {
    title: '3b. Where the handshake CPU goes: each ingredient alone, median',
    headers: ['ingredient', 'CPU µs', 'wall ms'],
    align: ['l', 'r', 'r'],
    rows: results.ingredients.map((i) => [i.name, us(i.cpuUs), i.wallMs.toFixed(2)]),
    notes: ingredientNotes,
  };

  const emulatorNote = 'dynalite: +1 GetItem after a refused conditional write';
  const callsTable: Table = {
    title: '4. DynamoDB commands per flow (a middleware on the table client counts them), per protocol step (SPEC v2)',
    headers: ['step (flow)', 'handler', 'commands sent', 'total', 'on DynamoDB', 'budget', '', 'note'],
    align: ['l', 'l', 'l', 'r', 'r', 'l', 'l', 'l'],
    rows: results.dynamodbCalls.map((row) => [
      row.flow,
      row.handler,
      Object.entries(row.commands)
        .map(([name, n]) => `${name.replace(/Command$/, '')}×${n}`)
        .join(' '),
      String(row.total),
      String(row.onDynamoDB),
      row.target === undefined ? '' : budgetText(row.target),
      verdict(`DynamoDB calls ${row.flow}`),
      row.onDynamoDB === row.total ? '' : emulatorNote,
    ]),
    notes: [
      'budgets of the agent-bound handshakes issue: start ≤ 1, browser visit ≤ 1 (poll: the confirmation page and the user code each), callback ≤ 2,',
      'connect claim ≤ 3 plus the publish Query, new user\'s sign-up claim ≤ 6 (with the session record); every Bearer call (connect\'s start and claim) plus its session read; a returning user\'s claim and a pending claim have none.',
      ...(results.dynamodbCalls.some((row) => row.onDynamoDB !== row.total)
        ? ['on DynamoDB: without the GetItem the code makes only because dynalite does not return the item with a refused conditional write (ReturnValuesOnConditionCheckFailure).']
        : []),
    ],
  };

  const f = results.fanOut;
  const first = f.rows[0]!;
  const fanOutTable: Table = {
    title: `5. Fan-out: one message to one user's connections through the local gateway, median of ${f.repeats}`,
    headers: ['connections', 'publish ms', 'min ms', 'CPU µs', 'vs 1', 'bare HTTP ms', 'vs 1', 'target', ''],
    align: ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    rows: f.rows.map((row) => {
      const last = row === f.rows.at(-1) && f.rows.length > 1;
      return [
        String(row.connections),
        ms(row.publishMs),
        ms(row.minMs),
        us(row.cpuUs),
        `×${(row.publishMs / first.publishMs).toFixed(1)}`,
        ms(row.bareHttp.publishMs),
        `×${(row.bareHttp.publishMs / first.bareHttp.publishMs).toFixed(1)}`,
        last ? `≤ ×${TARGETS.fanOutRatio}` : '',
        last ? verdict('fan-out 100:1') : '',
      ];
    }),
    notes: [
      `publish = Query the user's connections + one PostToConnection each, in parallel. Publisher CPU per extra connection: ${us(f.cpuUsPerExtraConnection)} µs with the AWS SDK,`,
      `${us(f.bareHttpCpuUsPerExtraConnection)} µs with bare node:http posts (the floor). ${f.received}/${f.delivered} messages received.`,
    ],
  };
  return [bundleTable, coldTable, probeTable, handshakeTable, ingredientTable, callsTable, fanOutTable];
}

function renderText(table: Table): string {
  const widths = table.headers.map((header, i) => Math.max(header.length, ...table.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (table.align[i] === 'r' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [table.title, '', `  ${line(table.headers)}`, `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...table.rows.map((row) => `  ${line(row)}`), ...(table.notes ?? []).map((note) => `  ${note}`)].join('\n');
}

function renderMarkdown(table: Table): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `**${table.title}**`,
    '',
    `| ${table.headers.map((h) => h || ' ').join(' | ')} |`,
    `|${table.align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
    ...(table.notes?.length ? ['', table.notes.join(' ')] : []),
  ].join('\n');
}

function goalsTable(results: BenchResults): Table {
  return {
    title: 'Goals of issue 8, and the DynamoDB budgets of the agent-bound handshakes issue',
    headers: ['goal', 'target', 'measured', ''],
    align: ['l', 'l', 'l', 'l'],
    rows: results.targets.map((t) => [t.name, t.goal, t.value, mark(t.met)]),
  };
}

function machineLine(results: BenchResults): string {
  const { machine } = results;
  return `${results.date.slice(0, 10)}, node ${machine.node}, ${machine.cpu}, ${machine.cores} cores (${machine.platform}/${machine.arch})${results.quick ? ', QUICK run (tiny N)' : ''}`;
}

/** The five tables (with their attributions) and the goals, as `npm run bench` prints them. */
export function textReport(results: BenchResults): string {
  return [`handshake bench: ${machineLine(results)}; ${results.seconds.toFixed(0)} s`, ...tables(results).map(renderText), renderText(goalsTable(results))].join('\n\n');
}

/** The README's "Benchmarks" tables. */
export function markdownReport(results: BenchResults): string {
  return [
    `Latest run: ${machineLine(results)}; \`npm run bench\` took ${results.seconds.toFixed(0)} s.`,
    ...tables(results).map(renderMarkdown),
    renderMarkdown(goalsTable(results)),
  ].join('\n\n');
}
