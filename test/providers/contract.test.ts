import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pkceChallenge } from '../../shared/crypto/pkce';
import { providerInfoPath } from '../../shared/handshake/me-object';
import { findProviderRow, type ProviderRow } from '../../shared/providers/catalog';
import type { ClientCredentials, ProvidersSettings } from '../../shared/providers/settings';
import { CONTRACTS, oauth1Verified, type ProviderContract } from './contracts';
import { createContractWorld, NOW, type ContractWorld } from './support/contract-world';
import { formAnswer, json, type FakeAnswer, type FakeRoute, type RecordedRequest } from './support/fake-provider';
import { arrivalOf, callbackUrl, claim, CODE, connect, returnFromProvider, signUp, startAgent, startHandshake, verdict } from './support/handshake';

/**
 * One contract per catalog row: a fake provider answers as the provider's documentation says, and the real
 * handlers (start, browser visit, callback, claim, refresh, deauth) must read it into the stored token and identity.
 */
let world: ContractWorld;
/** What the token endpoint answers next (the exchange, or a refresh). */
let tokenAnswer: FakeAnswer;

const credentials = (contract: ProviderContract): ClientCredentials => ({ clientId: `${contract.id}-client`, clientSecret: `${contract.id}-secret`, ...contract.credentials });

beforeAll(async () => {
  world = await createContractWorld((origin) => {
    const settings: ProvidersSettings = {};
    for (const contract of CONTRACTS) {
      settings[contract.id] = findProviderRow(contract.id)!.host === 'required' ? { hosts: { [origin]: credentials(contract) } } : credentials(contract);
    }
    return settings;
  });
});
afterAll(() => world.close());

/** OAuth 1.0a providers check every request's signature; anything unsigned or mis-signed is refused as Jira does. */
function route(contract: ProviderContract, answer: FakeRoute): FakeRoute {
  const respond = (request: RecordedRequest) => (typeof answer === 'function' ? answer(request) : answer);
  if (contract.token?.clientAuth !== 'oauth1') return respond;
  return (request) => (oauth1Verified(request, world.fake.origin) ? respond(request) : formAnswer({ oauth_problem: 'signature_invalid' }, 401));
}

function install(contract: ProviderContract) {
  world.fake.reset();
  world.published.length = 0;
  if (contract.token) {
    tokenAnswer = contract.token.answer;
    world.fake.on('POST', contract.token.path, route(contract, (request) => contract.token!.refuses?.(request) ?? tokenAnswer));
  }
  if (contract.requestToken) world.fake.on('POST', contract.requestToken.path, route(contract, contract.requestToken.answer));
  for (const [method, path, answer] of contract.identity.routes) world.fake.on(method, path, route(contract, answer));
  if (contract.revoke) world.fake.on(contract.revoke.method, contract.revoke.path, contract.revoke.answer ?? json({}));
}

const bodyOf = (contract: ProviderContract, request: RecordedRequest) => (contract.token!.format === 'json' ? (request.json as Record<string, string>) : request.form!);

/** The client authentication and encoding the contract documents, on one token-endpoint request. */
function expectClientAuth(contract: ProviderContract, request: RecordedRequest) {
  const body = bodyOf(contract, request);
  expect(request.headers['content-type']).toMatch(contract.token!.format === 'json' ? /^application\/json/ : /^application\/x-www-form-urlencoded/);
  if (contract.token!.clientAuth === 'basic') {
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${contract.id}-client:${contract.id}-secret`).toString('base64')}`);
    expect(body.client_secret).toBeUndefined();
  } else {
    expect(request.headers.authorization).toBeUndefined();
    expect(body).toMatchObject({ client_id: `${contract.id}-client`, client_secret: `${contract.id}-secret` });
  }
}

/** What `data` holds once the account is read: the contract's facts, and `account: {id, name}` (the success page's label). */
function expectedData(contract: ProviderContract): Record<string, unknown> {
  const { subject, username, email } = contract.identity.expected;
  const name = username ? `@${username}` : email;
  return { ...contract.stored.data, account: { id: subject, ...(name ? { name } : {}) } };
}

const hostOf = (row: ProviderRow) => (row.host === 'required' ? world.fake.origin : undefined);
const hostQuery = (row: ProviderRow) => (row.host === 'required' ? `?host=${encodeURIComponent(world.fake.origin)}` : '');

async function connected(contract: ProviderContract, row: ProviderRow) {
  const user = await world.user(`${contract.id}-${randomUUID()}`);
  const { callback, check } = await connect(world, row, user.session, contract.fragment);
  expect(verdict(callback)).toBe('ok');
  expect(check.status, check.body).toBe(200);
  const stored = (await world.rt.tokens.get(user.userId, contract.id, hostOf(row)))!;
  world.fake.requests.length = 0;
  world.published.length = 0;
  return { ...user, stored };
}

describe.each(CONTRACTS)('$id (its documented behaviour)', (contract) => {
  const row = findProviderRow(contract.id)!;
  beforeEach(() => install(contract));

  it('sends the documented authorize request', async () => {
    const { session } = await world.user(`${contract.id}-authorize`);
    const { authorize } = await startHandshake(world, row, { flow: 'connect', session });

    expect(authorize.origin + authorize.pathname).toBe(world.fake.origin + contract.authorize.path);
    for (const [name, expected] of Object.entries(contract.authorize.params)) {
      const actual = authorize.searchParams.get(name);
      if (expected === null) expect(actual, name).toBeNull();
      else if (expected === true) expect(actual, name).toBeTruthy();
      else if (expected instanceof RegExp) expect(actual, name).toMatch(expected);
      else expect(actual, name).toBe(expected);
    }
    if (row.grant === 'oauth1') {
      // The temporary-credentials request was signed and registered our callback, state included.
      const header = world.fake.last('POST', contract.requestToken!.path)!.headers.authorization!;
      expect(decodeURIComponent(/oauth_callback="([^"]+)"/.exec(header)![1]!)).toMatch(new RegExp(`^${callbackUrl(row.id)}\\?state=contract%21`));
    } else if (!row.stateInRedirectUri) {
      expect(authorize.searchParams.get('redirect_uri')).toBe(callbackUrl(row.id));
    }
  });

  it('exchanges the grant as documented, reads the account, and stores the parsed token at the claim', async () => {
    const { userId, session } = await world.user(`${contract.id}-connect`);
    const started = await startHandshake(world, row, { flow: 'connect', session });
    const callback = await returnFromProvider(world, row, started, contract.fragment);
    expect(verdict(callback)).toBe('ok');

    if (row.grant === 'code') {
      const request = world.fake.last('POST', contract.token!.path)!;
      const body = bodyOf(contract, request);
      expect(body).toMatchObject({ grant_type: 'authorization_code', code: CODE, redirect_uri: callbackUrl(row.id), ...contract.token!.extra });
      expectClientAuth(contract, request);
      const challenge = started.authorize.searchParams.get('code_challenge');
      if (challenge) expect(pkceChallenge(body.code_verifier!)).toBe(challenge);
      else expect(body.code_verifier).toBeUndefined();
    }
    if (row.grant === 'oauth1') {
      const header = world.fake.last('POST', contract.token!.path)!.headers.authorization!;
      expect(header).toContain('oauth_token="request-token-from-jira"');
      expect(header).toContain('oauth_verifier="verifier-from-jira"');
    }
    // The provider account was read at the callback, as the contract's user API answers it.
    for (const [method, path] of contract.identity.routes) expect(world.fake.received(method, path), `${method} ${path}`).toHaveLength(1);
    // Nothing is committed before the agent claims.
    expect(await world.rt.tokens.get(userId, contract.id, hostOf(row))).toBeUndefined();
    expect(world.published).toHaveLength(0);

    const check = await claim(world, started, { result: arrivalOf(callback)!.result });
    expect(check.status, check.body).toBe(200);
    expect(check.json).toMatchObject({ provider: contract.id, ...(hostOf(row) ? { host: hostOf(row) } : {}), accessToken: contract.stored.accessToken, data: contract.stored.data });
    const stored = await world.rt.tokens.get(userId, contract.id, hostOf(row));
    expect(stored).toMatchObject({ accessToken: contract.stored.accessToken });
    expect(stored?.data).toEqual(expectedData(contract));
    expect(stored?.data.userId).toBe(contract.identity.expected.subject);
    expect(stored?.refreshToken).toBe(contract.stored.refreshToken);
    expect(stored?.expiresAt).toBe(contract.stored.expiresIn ? NOW + contract.stored.expiresIn * 1000 : undefined);
    const [published] = world.published;
    expect(published?.userId).toBe(userId);
    expect(published?.update.$set?.[`${providerInfoPath(contract.id, hostOf(row))}.accessToken`]).toBe(contract.stored.accessToken);
  });

  if (row.grant === 'fragment') {
    it('refuses a sign-up at the start: a token from the URL fragment proves nothing about who obtained it (USRC-1023)', async () => {
      const { response } = await startAgent(world, row.id, { flow: 'signup' }, { host: hostOf(row) });
      expect(response).toMatchObject({ status: 403, json: { code: 'USRC-1023', info: { provider: contract.id } } });
      expect(response.json.url).toBeUndefined();
      expect(world.fake.requests).toHaveLength(0);
    });
  } else {
    it('reads the identity for sign-up: subject, email, name', async () => {
      const { callback, check } = await signUp(world, row);
      expect(verdict(callback)).toBe('ok');
      expect(check.status, check.body).toBe(200);

      const { expected } = contract.identity;
      expect(check.json).toMatchObject({ provider: contract.id, signupStatus: 'userCreated', accessToken: expect.any(String) });
      expect(check.json.user.email).toBe(expected.email);
      expect(check.json.user.username).toBe(expected.username);
      const entry = row.host === 'required' ? check.json.user.providerInfo[contract.id].hosts[Object.keys(check.json.user.providerInfo[contract.id].hosts)[0]!] : check.json.user.providerInfo[contract.id];
      expect(entry).toMatchObject({ accessToken: contract.stored.accessToken, data: { userId: expected.subject } });
      expect(entry.data).toEqual(expectedData(contract));
      // The user is found again by that subject (never by e-mail), and carries the name.
      const again = await world.rt.users.findOrCreate(contract.id, hostOf(row), { subject: expected.subject });
      expect(again).toMatchObject({ created: false, user: { id: check.json.user.id, name: expected.name } });
    });
  }

  if (row.grant !== 'fragment') {
    it('connects without the account when the provider cannot answer who it is (5xx: logged), not when it refuses the token (4xx)', async () => {
      for (const [method, path] of contract.identity.routes) world.fake.on(method, path, json({ message: 'Unauthorized' }, 401));
      const refused = await connect(world, row, (await world.user(`${contract.id}-identity-401`)).session, contract.fragment);
      expect(verdict(refused.callback)).toBe('USRC-1022');
      for (const [method, path] of contract.identity.routes) world.fake.on(method, path, json({ message: 'Service Unavailable' }, 503));
      const { userId, session } = await world.user(`${contract.id}-no-identity`);
      const { callback, check } = await connect(world, row, session, contract.fragment);
      expect(verdict(callback)).toBe('ok');
      expect(check.status, check.body).toBe(200);
      const stored = await world.rt.tokens.get(userId, contract.id, hostOf(row));
      expect(stored).toMatchObject({ accessToken: contract.stored.accessToken });
      expect(stored?.data.account).toBeUndefined();
    });
  }

  if (contract.refusal) {
    it(`passes the provider's refusal on (${contract.refusal.error})`, async () => {
      tokenAnswer = contract.refusal!.answer;
      const { userId, session } = await world.user(`${contract.id}-refused`);
      const { callback, check } = await connect(world, row, session);
      expect(verdict(callback)).toBe('RAPI-1010');
      expect(check).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { provider: contract.id, error: contract.refusal!.error } } });
      expect(await world.rt.tokens.get(userId, contract.id, hostOf(row))).toBeUndefined();
      expect(world.published).toHaveLength(0);
    });
  }

  if (contract.refresh) {
    const refresh = contract.refresh;
    it(refresh.rotatesTo ? 'refreshes with the stored refresh token and keeps the rotated one' : 'refreshes with the stored refresh token and keeps it (no rotation)', async () => {
      const { userId, session, stored } = await connected(contract, row);
      tokenAnswer = refresh.answer;
      const answer = await world.call('GET', `/provider-refresh/${contract.id}${hostQuery(row)}`, { headers: { authorization: `Bearer ${session}` } });
      expect(answer.status, answer.body).toBe(200);

      const request = world.fake.last('POST', contract.token!.path)!;
      expect(bodyOf(contract, request)).toMatchObject({ grant_type: 'refresh_token', refresh_token: stored.refreshToken, ...contract.token!.extra });
      expectClientAuth(contract, request);

      const kept = refresh.rotatesTo ?? stored.refreshToken;
      expect(answer.json).toMatchObject({ provider: contract.id, accessToken: refresh.accessToken, refreshToken: kept, expiresAt: NOW + refresh.expiresIn! * 1000 });
      expect(await world.rt.tokens.get(userId, contract.id, hostOf(row))).toMatchObject({ accessToken: refresh.accessToken, refreshToken: kept, data: stored.data });
      expect(world.published.at(-1)?.update.$set).toMatchObject({ [`${providerInfoPath(contract.id, hostOf(row))}.accessToken`]: refresh.accessToken });
    });

    it('marks the connection as needing re-auth when the provider refuses the refresh token', async () => {
      const { userId, session, stored } = await connected(contract, row);
      tokenAnswer = refresh.refused;
      const answer = await world.call('GET', `/provider-refresh/${contract.id}${hostQuery(row)}`, { headers: { authorization: `Bearer ${session}` } });
      expect(answer).toMatchObject({ status: 403, json: { code: 'PRVD-1011', info: { provider: contract.id, error: 'invalid_grant', reauth: true } } });
      expect(await world.rt.tokens.get(userId, contract.id, hostOf(row))).toMatchObject({ accessToken: stored.accessToken, data: { needsReauth: true } });
      expect(world.published.at(-1)?.update.$set).toMatchObject({ [`${providerInfoPath(contract.id, hostOf(row))}.data`]: { needsReauth: true } });
    });
  } else {
    it('answers PRVD-1012 to a refresh: there is no refresh token to use', async () => {
      const { session } = await connected(contract, row);
      const answer = await world.call('GET', `/provider-refresh/${contract.id}${hostQuery(row)}`, { headers: { authorization: `Bearer ${session}` } });
      expect(answer).toMatchObject({ status: 403, json: { code: 'PRVD-1012', info: { provider: contract.id } } });
      expect(world.fake.requests).toHaveLength(0);
    });
  }

  it(contract.revoke ? 'revokes the token as documented at deauth, then forgets it' : 'forgets the token at deauth (the provider documents no revocation)', async () => {
    const { userId, session, stored } = await connected(contract, row);
    const answer = await world.call('PUT', `/provider-deauth/${contract.id}${hostQuery(row)}`, { headers: { authorization: `Bearer ${session}` } });
    expect(answer).toMatchObject({ status: 200, json: { provider: contract.id, revoked: Boolean(contract.revoke) } });
    if (contract.revoke) contract.revoke.check(world.fake.received(contract.revoke.method, contract.revoke.path), stored);
    else expect(world.fake.requests).toHaveLength(0);
    expect(await world.rt.tokens.get(userId, contract.id, hostOf(row))).toBeUndefined();
    expect(world.published.at(-1)?.update).toEqual({ $unset: { [providerInfoPath(contract.id, hostOf(row))]: true } });
  });
});

it('covers every catalog row but the OpenID Connect ones (tested end to end against oidc-provider)', async () => {
  const { PROVIDER_CATALOG } = await import('../../shared/providers/catalog');
  const covered = new Set(CONTRACTS.map((c) => c.id));
  expect(PROVIDER_CATALOG.filter((row) => !covered.has(row.id)).map((row) => row.id)).toEqual(['oidc', 'demo']);
});
