import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKeyRingJson, parseKeyRing } from '../../shared/crypto/keys';
import { openJson, sealJson } from '../../shared/crypto/sealed-json';
import { pkceChallenge } from '../../shared/crypto/pkce';
import { challengeOf, createVerifier } from '../../client/verifier';
import { issueSessionToken, verifySessionToken } from '../../shared/session-token';
import { HandshakeError } from '../../shared/errors';

describe('tokens at rest (sealJson / openJson)', () => {
  it('keeps items written under an old key readable after the current key rotates', async () => {
    const old = generateKeyRingJson('k1');
    const sealed = await sealJson(parseKeyRing(old), 'USER#1|TOKEN#github#-', { accessToken: 'gho_secret' });
    const rotated = parseKeyRing({ ...old, tokens: { current: 'k2', keys: { ...old.tokens.keys, k2: generateKeyRingJson().tokens.keys.k1! } } });
    expect(await openJson(rotated, 'USER#1|TOKEN#github#-', sealed)).toEqual({ accessToken: 'gho_secret' });
    const fresh = await sealJson(rotated, 'USER#1|TOKEN#github#-', { accessToken: 'x' });
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe('k2');
  });

  it('refuses a ciphertext moved onto another item, a tampered one, or one under a retired key', async () => {
    const ring = parseKeyRing(generateKeyRingJson());
    const sealed = await sealJson(ring, 'USER#1|TOKEN#github#-', { accessToken: 'a' });
    await expect(openJson(ring, 'USER#2|TOKEN#github#-', sealed)).rejects.toThrow(/another item/);
    const parts = sealed.split('.');
    parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1);
    await expect(openJson(ring, 'USER#1|TOKEN#github#-', parts.join('.'))).rejects.toThrow();
    await expect(openJson(parseKeyRing(generateKeyRingJson('k9')), 'USER#1|TOKEN#github#-', sealed)).rejects.toThrow(/no key/);
  });

  it('refuses malformed key rings without printing key material', () => {
    const ring = generateKeyRingJson();
    expect(() => parseKeyRing({ ...ring, state: 'short' })).toThrow(/key state must be 32 bytes/);
    expect(() => parseKeyRing({ ...ring, tokens: { current: 'nope', keys: ring.tokens.keys } })).toThrow(/tokens.current/);
  });
});

describe('PKCE', () => {
  it('computes the RFC 7636 appendix B S256 challenge', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('gives the agent the same S256 as the broker checks, on fresh 43-character verifiers', () => {
    expect(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const verifiers = Array.from({ length: 20 }, () => createVerifier());
    for (const verifier of verifiers) {
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(challengeOf(verifier)).toBe(pkceChallenge(verifier));
    }
    expect(new Set(verifiers).size).toBe(verifiers.length);
  });
});

describe('session tokens', () => {
  const key = parseKeyRing(generateKeyRingJson()).session;
  const now = Date.UTC(2026, 0, 1);
  const SID = 'AAAAAAAAAAAAAAAAAAAAAA';

  it('names the session (user, and the account when given) for this environment only, until it expires', async () => {
    const token = await issueSessionToken({ userId: 'u-1', sid: SID, account: 'ada@example.com' }, { key, environment: 'prod', now });
    expect(await verifySessionToken(token, { key, environment: 'prod', now: now + 1000 })).toEqual({ userId: 'u-1', sid: SID, account: 'ada@example.com' });
    await expect(verifySessionToken(token, { key, environment: 'feature-x', now })).rejects.toBeInstanceOf(HandshakeError);
    await expect(verifySessionToken(token, { key, environment: 'prod', now: now + 31 * 86_400_000 })).rejects.toMatchObject({ code: 'AUTH-1001', status: 401 });
    await expect(verifySessionToken(undefined, { key, environment: 'prod', now })).rejects.toMatchObject({ code: 'AUTH-1001' });
  });

  it('carries no account when none is given, and cuts a long one short', async () => {
    const bare = await issueSessionToken({ userId: 'u-2', sid: SID }, { key, environment: 'prod', now });
    expect(await verifySessionToken(bare, { key, environment: 'prod', now })).toEqual({ userId: 'u-2', sid: SID });
    const long = await issueSessionToken({ userId: 'u-3', sid: SID, account: `${'a'.repeat(200)}@example.com` }, { key, environment: 'prod', now });
    expect((await verifySessionToken(long, { key, environment: 'prod', now })).account).toHaveLength(120);
  });

  it('refuses a token signed with another key, tampered with, or not a JWT (AUTH-1001)', async () => {
    const token = await issueSessionToken({ userId: 'u-1', sid: SID }, { key, environment: 'prod', now });
    const other = parseKeyRing(generateKeyRingJson()).session;
    await expect(verifySessionToken(token, { key: other, environment: 'prod', now })).rejects.toMatchObject({ code: 'AUTH-1001' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'u-admin' })).toString('base64url');
    await expect(verifySessionToken(`${header}.${forged}.${signature}`, { key, environment: 'prod', now })).rejects.toMatchObject({ code: 'AUTH-1001' });
    // Signed by us but naming no session record (or a malformed one): nothing sign-out could end.
    for (const sid of [undefined, 'short', 42]) {
      const unnamed = await new SignJWT(sid === undefined ? {} : { sid }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-1').setIssuer('handshake').setAudience('prod').setIssuedAt().setExpirationTime('1h').sign(key);
      await expect(verifySessionToken(unnamed, { key, environment: 'prod', now: Date.now() }), String(sid)).rejects.toMatchObject({ code: 'AUTH-1001' });
    }
    for (const junk of ['', 'x', 'a.b.c', 'x'.repeat(5000)]) await expect(verifySessionToken(junk, { key, environment: 'prod', now }), junk.slice(0, 10)).rejects.toMatchObject({ code: 'AUTH-1001' });
  });
});
