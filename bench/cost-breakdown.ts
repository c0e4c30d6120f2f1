import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { getRedirect, postJson } from './bare-http';
import { median } from './cold-init';
import type { BrokerLib } from './lib';
import { BENCH_API_URL, BENCH_ENVIRONMENT, BENCH_TABLE, installRuntime, OUR_PROVIDER, type BenchWorld } from './setup';

export type IngredientId = 'dynamodb-sdk' | 'dynamodb-bare' | 'exchange-simple-oauth2' | 'exchange-bare' | 'identity-userinfo' | 'state-jwe' | 'sealed-json' | 'session-jwt' | 'session-check';

/** One ingredient of a connect handshake, measured alone. */
export interface Ingredient {
  id: IngredientId;
  name: string;
  /** Median CPU of this process per operation, µs. */
  cpuUs: number;
  /** Median wall time per operation, ms. */
  wallMs: number;
  /**
   * How many times one connect handshake (loopback: start, visit, callback, claim) does it, for the attribution;
   * absent for the DynamoDB rows (the handshake's commands are metered) and the bare-HTTP floors.
   */
  perHandshake?: number;
}

/**
 * A connect handshake seals four values with jose's JWE dir/A256GCM besides its state: the result kept on the
 * handshake at the callback, the success page's summary, the token stored at the claim and the claim's answer;
 * it opens one (the result, at the claim). Counted as four seals of the measured size (the summary is a JWT of
 * about the same size); the open is left in "the rest".
 */
const SEALS_PER_HANDSHAKE = 4;
/** The session is checked twice: at the start and at the claim (the JWT, then one GetItem of its record). */
const SESSION_CHECKS_PER_HANDSHAKE = 2;

/**
 * What the ingredients of a connect handshake cost on their own, each `iterations` times (median, after a
 * warm-up), so that the per-handshake CPU can be attributed: a DynamoDB command through the AWS SDK document
 * client, and the same command as a bare HTTP request (the floor any client pays); the code exchange through
 * simple-oauth2, and as a bare HTTP request; the identity read the callback makes for both flows (OpenID
 * userinfo); sealing and opening the state (jose JWE); sealing a value for storage; verifying a session token.
 */
export async function measureIngredients(world: BenchWorld, lib: BrokerLib, iterations: number): Promise<Ingredient[]> {
  const { GetCommand, createPkceVerifier, exchangeCode, fetchIdentity, openState, pkceChallenge, randomToken, sealJson, sealState, verifySessionToken } = lib;
  const rt = await installRuntime(world, lib);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const dynamo = new URL(world.services.dynamoEndpoint);
  const provider = await rt.providers.resolve(OUR_PROVIDER);
  const redirectUri = `${BENCH_API_URL}/no-auth/provider-token/${OUR_PROVIDER}`;
  const results: Ingredient[] = [];

  const measure = async (id: IngredientId, name: string, prepare: () => Promise<() => Promise<unknown>>, perHandshake?: number) => {
    const cpu: number[] = [];
    const wall: number[] = [];
    const warmup = Math.min(20, iterations);
    for (let i = 0; i < warmup + iterations; i++) {
      const operation = await prepare();
      const before = process.cpuUsage();
      const started = performance.now();
      await operation();
      const ms = performance.now() - started;
      const { user, system } = process.cpuUsage(before);
      if (i < warmup) continue;
      cpu.push(user + system);
      wall.push(ms);
    }
    results.push({ id, name, cpuUs: median(cpu), wallMs: median(wall), ...(perHandshake !== undefined ? { perHandshake } : {}) });
  };

  try {
    await rt.table.client.send(new GetCommand({ TableName: BENCH_TABLE, Key: { pk: 'bench#missing', sk: 'bench' } }));
    await measure('dynamodb-sdk', 'DynamoDB GetItem, AWS SDK v3 document client', async () => () => rt.table.client.send(new GetCommand({ TableName: BENCH_TABLE, Key: { pk: `bench#${randomToken(8)}`, sk: 'bench' } })));
    await measure('dynamodb-bare', 'DynamoDB GetItem, bare node:http request (unsigned)', async () => () => {
      const body = JSON.stringify({ TableName: BENCH_TABLE, Key: { pk: { S: `bench#${randomToken(8)}` }, sk: { S: 'bench' } } });
      return postJson(agent, dynamo, '/', body, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        // dynalite wants a well-formed Authorization header and a date, not a valid signature.
        'x-amz-date': '20260101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      });
    });

    // A fresh authorization code per exchange: the browser's visit to the provider, not measured.
    const freshCode = async () => {
      const verifier = createPkceVerifier();
      const url = new URL(provider.endpoints.authorize);
      for (const [name, value] of Object.entries({ client_id: world.ourClient.clientId, redirect_uri: redirectUri, response_type: 'code', code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256', state: 'bench' })) {
        url.searchParams.set(name, value);
      }
      const { status, location } = await getRedirect(agent, url);
      const code = new URL(location ?? 'http://invalid/').searchParams.get('code');
      if (!code) throw new Error(`provider authorize answered ${status}`);
      return { code, verifier };
    };
    await measure(
      'exchange-simple-oauth2',
      'code exchange, simple-oauth2 (as provider-token does)',
      async () => {
        const { code, verifier } = await freshCode();
        return () => exchangeCode(provider, { code, redirectUri, pkceVerifier: verifier }, rt.http, Date.now());
      },
      1,
    );
    const tokenUrl = new URL(provider.endpoints.token!);
    const basic = Buffer.from(`${encodeURIComponent(world.ourClient.clientId)}:${encodeURIComponent(world.ourClient.clientSecret)}`).toString('base64');
    await measure('exchange-bare', 'code exchange, bare node:http request', async () => {
      const { code, verifier } = await freshCode();
      const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString();
      return () => postJson(agent, tokenUrl, tokenUrl.pathname, form, { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}`, accept: 'application/json' });
    });

    const { code, verifier } = await freshCode();
    const token = await exchangeCode(provider, { code, redirectUri, pkceVerifier: verifier }, rt.http, Date.now());
    await measure('identity-userinfo', 'identity read, OpenID userinfo (provider-token, both flows)', async () => () => fetchIdentity(provider, token.accessToken, rt.http, Date.now()), 1);

    const ctx = (key: Uint8Array) => ({ key, environment: BENCH_ENVIRONMENT, now: Date.now() });
    await measure(
      'state-jwe',
      'state: seal + open (jose JWE dir/A256GCM)',
      async () => async () => {
        const state = await sealState({ flow: 'connect', provider: OUR_PROVIDER, handshakeCode: randomToken(32), nonce: randomToken(32), pkceVerifier: createPkceVerifier(), redirectUri }, ctx(world.keys.state));
        await openState(state, OUR_PROVIDER, ctx(world.keys.state));
      },
      1,
    );
    await measure(
      'sealed-json',
      `a value sealed for storage (jose JWE): ×${SEALS_PER_HANDSHAKE} per handshake (result, page summary, token, claim answer)`,
      async () => () => sealJson(world.keys, 'USER#bench-user|oidc|-', { accessToken: randomToken(32), refreshToken: randomToken(32), expiresAt: Date.now() + 3_600_000, data: { scope: 'openid email profile offline_access', userId: 'bench-user', email: 'bench@example.test' } }),
      SEALS_PER_HANDSHAKE,
    );
    const session = await rt.sessions.issue({ userId: 'bench-user', account: 'bench@example.test' });
    // The signature alone is attributed (the record's GetItem is among the handshake's metered commands); the
    // whole check, as every Bearer route pays it, is the next row.
    const tokenContext = () => ({ key: rt.keys.session, environment: rt.config.environment, now: rt.now() });
    await measure('session-jwt', `session token signature (jose HS256): ×${SESSION_CHECKS_PER_HANDSHAKE} per handshake (start, claim)`, async () => () => verifySessionToken(session, tokenContext()), SESSION_CHECKS_PER_HANDSHAKE);
    await measure('session-check', 'session check of a Bearer call (signature + one consistent GetItem of the session record)', async () => () => rt.sessions.verify(session));
  } finally {
    agent.destroy();
  }
  return results;
}

