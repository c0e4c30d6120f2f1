import { describe, expect, it } from 'vitest';
import { runLoad } from '../../local/load';

// The handlers log every step of every handshake; this file keeps warnings and errors only.
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';

/**
 * The CI-sized version of `npm run load`: it checks that nothing is lost or doubled under concurrency, and
 * nothing about speed (a shared CI machine says nothing reliable about that). Each handshake is SPEC v2's
 * loopback connect: start, browser visit, provider, callback, claim.
 */
describe('load on the local stack', () => {
  it('answers every claim of 100 concurrent connect handshakes with its token, and delivers that token exactly once on the me-channel', { timeout: 180_000 }, async () => {
    const report = await runLoad({ handshakes: 100, concurrency: 10, requestTimeoutMs: 60_000, deadlineMs: 150_000 });
    expect(report.failed).toEqual({});
    // completed: the claim answered exactly the access token the provider issued for that handshake's code.
    expect(report.completed).toBe(100);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.stray).toBe(0);
    expect(report.connectionRecordsLeft).toBe(0);
    // One code, one exchange and one identity read per handshake: the callback reads who connected (SPEC v2).
    expect(report.provider).toMatchObject({ authorized: 100, exchanged: 100, userinfo: 100, refused: 0 });
  });
});
