import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openState, sealState, stateEnvironment, type StateClaims } from '../../shared/state';
import { HandshakeError } from '../../shared/errors';

const key = new Uint8Array(randomBytes(32));
const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const claims: StateClaims = {
  flow: 'connect',
  provider: 'github',
  handshakeCode: randomBytes(32).toString('base64url'),
  nonce: 'n'.repeat(43),
  pkceVerifier: 'v'.repeat(43),
  redirectUri: 'https://api.example/no-auth/provider-token/github',
};
const ctx = (now = T0, environment = 'feature-x') => ({ key, environment, now });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(HandshakeError);
    return (err as HandshakeError).code;
  }
}

describe('state (sealState / openState) with a fixed clock', () => {
  it('round-trips every claim and keeps the environment readable', async () => {
    const state = await sealState({ ...claims, host: 'https://ghe.acme.com' }, ctx());
    expect(state.startsWith('feature-x!')).toBe(true);
    expect(stateEnvironment(state)).toBe('feature-x');
    const opened = await openState(state, 'github', ctx(T0 + 1000));
    expect(opened).toMatchObject({ ...claims, host: 'https://ghe.acme.com', environment: 'feature-x', issuedAt: T0 / 1000, expiresAt: T0 / 1000 + 600 });
  });

  it('hides the claims from whoever reads the URL', async () => {
    const state = await sealState(claims, ctx());
    for (const secret of [claims.nonce, claims.pkceVerifier!, claims.handshakeCode, 'github']) expect(state).not.toContain(secret);
  });

  it('accepts a state up to its 10-minute expiry and refuses it after (AUTH-1005)', async () => {
    const state = await sealState(claims, ctx());
    expect(await codeOf(openState(state, 'github', ctx(T0 + 599_000)))).toBe('ok');
    expect(await codeOf(openState(state, 'github', ctx(T0 + 600_000)))).toBe('AUTH-1005');
  });

  it('never seals a lifetime longer than 10 minutes', async () => {
    const state = await sealState(claims, ctx(), 3600);
    expect((await openState(state, 'github', ctx())).expiresAt - T0 / 1000).toBe(600);
  });

  it('refuses a state for another provider, another environment, or relabelled (AUTH-1002)', async () => {
    const state = await sealState(claims, ctx());
    expect(await codeOf(openState(state, 'gitlab', ctx()))).toBe('AUTH-1002');
    expect(await codeOf(openState(state, 'github', ctx(T0, 'prod')))).toBe('AUTH-1002');
    expect(await codeOf(openState(state.replace('feature-x!', 'prod!'), 'github', ctx(T0, 'prod')))).toBe('AUTH-1002');
  });

  it('refuses tampered, truncated and foreign-key states (AUTH-1002)', async () => {
    const state = await sealState(claims, ctx());
    const jwe = state.split('!')[1]!;
    const segments = jwe.split('.');
    for (let i = 0; i < segments.length; i++) {
      if (!segments[i]) continue;
      const flipped = segments.map((s, j) => (j === i ? (s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`) : s));
      expect(await codeOf(openState(`feature-x!${flipped.join('.')}`, 'github', ctx())), `segment ${i}`).toBe('AUTH-1002');
    }
    expect(await codeOf(openState(state.slice(0, -10), 'github', ctx()))).toBe('AUTH-1002');
    const foreign = await sealState(claims, { ...ctx(), key: new Uint8Array(randomBytes(32)) });
    expect(await codeOf(openState(foreign, 'github', ctx()))).toBe('AUTH-1002');
  });

  it('refuses things that are not states at all (AUTH-1002)', async () => {
    for (const junk of ['', '!', 'feature-x', 'feature-x!', 'feature-x!a.b.c.d.e', '../x!y', 'Feature-X!y', `feature-x!${'a'.repeat(5000)}`]) {
      expect(await codeOf(openState(junk, 'github', ctx())), junk.slice(0, 20)).toBe('AUTH-1002');
    }
  });

  it('refuses a state of either flow that names no handshake (AUTH-1002)', async () => {
    for (const flow of ['connect', 'signup'] as const) {
      const noHandshake = await sealState({ ...claims, flow, handshakeCode: '' }, ctx());
      expect(await codeOf(openState(noHandshake, 'github', ctx())), flow).toBe('AUTH-1002');
    }
    const signup = await sealState({ ...claims, flow: 'signup' }, ctx());
    expect(await openState(signup, 'github', ctx())).toMatchObject({ flow: 'signup', handshakeCode: claims.handshakeCode });
  });
});
