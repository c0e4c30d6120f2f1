import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastProvider, type FastProvider } from '../../local/fast-provider';

const REDIRECT = 'http://127.0.0.1:9/no-auth/provider-token/oidc';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

let fast: FastProvider;
beforeAll(async () => {
  fast = await startFastProvider({ clients: [{ clientId: 'load', clientSecret: 's3cret', redirectUris: [REDIRECT] }] });
});
afterAll(() => fast.close());

/** A code for `verifier`, as the browser gets it from the authorize redirect. */
async function authorize(verifier: string, extra: Record<string, string> = {}) {
  const url = new URL(`${fast.url}/authorize`);
  const params = { response_type: 'code', client_id: 'load', redirect_uri: REDIRECT, state: 'st', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...extra };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location') ? new URL(response.headers.get('location')!) : undefined };
}

function exchange(code: string, verifier: string, auth = basic('load', 's3cret')) {
  return fetch(`${fast.url}/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
}

describe('the fast local provider', () => {
  it('publishes its endpoints under its own issuer', async () => {
    const doc = (await (await fetch(`${fast.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(doc).toMatchObject({ issuer: fast.issuer, authorization_endpoint: `${fast.url}/authorize`, token_endpoint: `${fast.url}/token`, userinfo_endpoint: `${fast.url}/userinfo` });
  });

  it('redirects back at once with a code and the same state, and exchanges it once with the right verifier', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const { status, location } = await authorize(verifier, { login_hint: 'ada' });
    expect(status).toBe(302);
    expect(`${location!.origin}${location!.pathname}`).toBe(REDIRECT);
    expect(location!.searchParams.get('state')).toBe('st');
    const code = location!.searchParams.get('code')!;

    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    const token = (await first.json()) as Record<string, unknown>;
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(fast.tokenForCode(code)).toBe(token.access_token);

    const before = fast.stats.userinfo;
    const info = await fetch(`${fast.url}/userinfo`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(await info.json()).toMatchObject({ sub: 'ada', email: 'ada@example.test', email_verified: true });
    expect(fast.stats.userinfo).toBe(before + 1);

    const again = await exchange(code, verifier);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant' });
  });

  it('refuses a wrong verifier, and the code is spent by the attempt', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = (await authorize(verifier)).location!.searchParams.get('code')!;
    expect((await exchange(code, randomBytes(32).toString('base64url'))).status).toBe(400);
    expect((await exchange(code, verifier)).status).toBe(400);
  });

  it('refuses userinfo without one of its access tokens, and does not count it', async () => {
    const before = fast.stats.userinfo;
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token' }, { authorization: 'Basic abc' }];
    for (const headers of attempts) {
      const response = await fetch(`${fast.url}/userinfo`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(fast.stats.userinfo).toBe(before);
  });

  it('refuses a wrong client secret with 401', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = (await authorize(verifier)).location!.searchParams.get('code')!;
    const response = await exchange(code, verifier, basic('load', 'guess'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('never redirects to an unregistered redirect_uri or for an unknown client', async () => {
    const verifier = randomBytes(32).toString('base64url');
    expect(await authorize(verifier, { redirect_uri: 'http://127.0.0.1:9/elsewhere' })).toMatchObject({ status: 400, location: undefined });
    expect(await authorize(verifier, { client_id: 'nobody' })).toMatchObject({ status: 400, location: undefined });
  });

  it('sends the browser back with invalid_request when the PKCE challenge is missing or plain', async () => {
    const variants: Record<string, string>[] = [{ code_challenge: '' }, { code_challenge_method: 'plain' }];
    for (const extra of variants) {
      const { status, location } = await authorize(randomBytes(32).toString('base64url'), extra);
      expect(status).toBe(302);
      expect(location!.searchParams.get('error')).toBe('invalid_request');
      expect(location!.searchParams.get('code')).toBeNull();
    }
  });
});
