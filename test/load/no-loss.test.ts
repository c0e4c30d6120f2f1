import { describe, expect, it } from 'vitest';
import { runLoad } from '../../local/load';

// The handlers log every step of every handshake; this file keeps warnings and errors only.
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

/**
 * The CI-sized version of `npm run load`: it checks that nothing is lost or doubled under concurrency, and
 * nothing about speed (a shared CI machine says nothing reliable about that).
 */
describe('load on the local stack', () => {
  it('delivers every token of 100 concurrent connect handshakes exactly once on the me-channel', { timeout: 180_000 }, async () => {
    const report = await runLoad({ handshakes: 100, concurrency: 10, requestTimeoutMs: 60_000, deadlineMs: 150_000 });
    expect(report.failed).toEqual({});
    expect(report.completed).toBe(100);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.stray).toBe(0);
    expect(report.provider).toMatchObject({ authorized: 100, exchanged: 100, refused: 0 });
  });
});
