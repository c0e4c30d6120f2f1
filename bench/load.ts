import { parseArgs } from 'node:util';
import { runLoad } from '../local/load';

/**
 * `npm run load [-- --handshakes 1000 --concurrency 50]`: complete connect handshakes on the local stack (SPEC
 * v2, loopback: start → browser visit → provider → callback → claim) against the fast local provider, each with
 * an open me-channel, and count what arrived. Exits 1 unless every handshake completed (its claim answered the
 * token the provider issued) and that token arrived exactly once on the me-channel.
 */
const { values } = parseArgs({
  options: {
    handshakes: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    'settle-ms': { type: 'string', default: '5000' },
  },
});
const handshakes = Number(values.handshakes);
const concurrency = Number(values.concurrency);

// The handlers log a line per step of every handshake; a load run keeps only warnings and errors.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// The AWS SDK warns on every run that its 2027 releases will need node 22 (as in bench/run.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

console.log(`load: ${handshakes} connect handshakes (start, visit, callback, claim), ${concurrency} at a time, fast local provider, one open me-channel per user`);
const report = await runLoad({ handshakes, concurrency, settleMs: Number(values['settle-ms']), progress: (line) => console.log(`  ${line}`) });

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '-');
const failed = Object.values(report.failed).reduce((a, b) => a + b, 0);
const rows: [string, string][] = [
  ['handshakes', `${report.handshakes} (${report.concurrency} at a time)`],
  ['completed', String(report.completed)],
  ['lost', String(report.lost)],
  ['duplicated', String(report.duplicated)],
  ['failed', failed ? `${failed}: ${Object.entries(report.failed).map(([reason, n]) => `${n}× ${reason}`).join('; ')}` : '0'],
  ['stray messages', String(report.stray)],
  ['connection records left', String(report.connectionRecordsLeft)],
  ['callback p50', ms(report.callback.p50Ms)],
  ['callback p99', ms(report.callback.p99Ms)],
  ['callback max', ms(report.callback.maxMs)],
  ['claim p50', ms(report.claim.p50Ms)],
  ['claim p99', ms(report.claim.p99Ms)],
  ['claim max', ms(report.claim.maxMs)],
  ['handshake p50 / p99', `${ms(report.handshake.p50Ms)} / ${ms(report.handshake.p99Ms)}`],
  ['throughput', `${((report.completed / report.handshakesMs) * 1000).toFixed(1)} handshakes/s`],
  ['handshakes time', `${(report.handshakesMs / 1000).toFixed(1)} s`],
  ['total time', `${(report.totalMs / 1000).toFixed(1)} s (with set-up, me-channels and settling)`],
  ['provider', `${report.provider.authorized} codes issued, ${report.provider.exchanged} exchanged, ${report.provider.userinfo} identities read, ${report.provider.refused} token requests refused`],
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log('');
for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);

const ok = report.completed === handshakes && report.lost === 0 && report.duplicated === 0;
console.log(`\n${ok ? 'ok' : 'FAILED'}: ${report.completed} / ${report.lost} / ${report.duplicated} (completed / lost / duplicated)`);
process.exitCode = ok ? 0 : 1;
