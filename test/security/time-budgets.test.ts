import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { dispatchHttp } from '../../local/dispatch';
import { authorizeAtProvider } from '../../local/scripted-browser';
import { agentRoute } from '../../shared/http/routes';
import { jsonResponse } from '../../shared/http/responses';
import { sha256 } from '../../shared/crypto/random';
import { startFaultyProvider } from '../support/faulty-provider';
import { CALLBACK_PREFIX, claim, locationOf, readCallbackAnswer, start } from '../support/flows';
import { createWorld, type World } from '../support/world';

/**
 * Every handler runs within its Lambda time: provider calls are cut to what is left of it less a margin for
 * writing the outcome, a route still running at the end answers SRV-1000 itself, and the local gateway
 * enforces API Gateway's limits. The functions' timeouts are shortened here (the gateway hands the handlers
 * a Lambda-shaped `context` that counts down from them); the provider's own bound stays 10 s.
 */
const CALLBACK_MS = 2_000;
const CLAIM_MS = 1_500;
let world: World;
let provider: Awaited<ReturnType<typeof startFaultyProvider>>;
const logs: string[] = [];
const write = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  provider = await startFaultyProvider();
  world = await createWorld({
    dynamoProxy: true,
    providerTimeoutMs: 10_000,
    settings: () => ({ oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret } }),
    gatewayLimits: { functionTimeoutMs: (handler) => (handler === 'provider-token' ? CALLBACK_MS : handler === 'check-signup' ? CLAIM_MS : 15_000) },
  });
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    logs.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
});
afterAll(async () => {
  process.stdout.write = write;
  await world?.close();
  await provider?.close();
});

describe('time budgets', () => {
  it('a provider slower than the callback has: our SRV-1000 page with a reference id, the handshake failed, the claim final', async () => {
    provider.setMode('slow'); // answers after 3 s; the callback function has 2 s
    try {
      const started = await start(world, { flow: 'signup' });
      const browser = world.browser();
      const callbackUrl = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, 'unused');
      const began = Date.now();
      const callback = await browser.request(callbackUrl);
      const took = Date.now() - began;
      // Answered by the handler within its time: past it the gateway would have answered 500 (or 503).
      expect(callback.status).toBe(302);
      const { arrival } = readCallbackAnswer(callback);
      expect(arrival?.error).toBe('SRV-1000');
      const page = new URL(arrival!.complete!);
      const referenceId = page.searchParams.get('ref');
      expect(page.searchParams.get('code')).toBe('SRV-1000');
      expect(referenceId).toMatch(/^[A-Za-z0-9-]{8,}$/);
      const shown = await browser.request(page.toString());
      expect(shown.body).toContain(`Reference: <code>${referenceId}</code>`);
      expect(logs.some((line) => line.includes('"handshake failed"') && line.includes(referenceId!))).toBe(true);

      expect((await world.rt.handshakes.get(sha256(started.code)))?.status).toBe('failed');
      expect(await claim(world, started)).toMatchObject({ status: 403, json: { code: 'USRC-1022', info: { error: 'server_error' } } });
      console.log(`slow provider at the callback (function ${CALLBACK_MS} ms): answered in ${took} ms, loopback error=SRV-1000, page ref=${referenceId}, record failed, claim USRC-1022 server_error`);
    } finally {
      provider.setMode('ok');
    }
  });

  it('a claim whose DynamoDB hangs answers our SRV-1000 JSON before its function is stopped; the next claim succeeds', async () => {
    const { session } = await (async () => ({ session: await world.rt.sessions.issue({ userId: randomUUID() }) }))();
    const started = await start(world, { flow: 'connect', session });
    const browser = world.browser();
    const callbackUrl = await authorizeAtProvider(browser, started.url, CALLBACK_PREFIX, 'unused');
    const { arrival } = readCallbackAnswer(await browser.request(callbackUrl));
    world.dynamoProxy!.hangWhen((operation) => operation === 'UpdateItem');
    let cut: Awaited<ReturnType<typeof claim>>;
    const began = Date.now();
    try {
      cut = await claim(world, started, { result: arrival!.result });
    } finally {
      world.dynamoProxy!.up();
    }
    const took = Date.now() - began;
    expect(cut).toMatchObject({ status: 503, json: { code: 'SRV-1000' } });
    // The hung lease may have been applied: once it runs out (20 s on the broker's clock), the retry commits.
    world.clock.offsetMs = 21_000;
    try {
      expect((await claim(world, started, { result: arrival!.result })).status).toBe(200);
    } finally {
      world.clock.offsetMs = 0;
    }
    console.log(`hung DynamoDB during a claim (function ${CLAIM_MS} ms): 503 SRV-1000 in ${took} ms; the next claim 200`);
  });

  it('the local gateway answers as the HTTP API does: 503 past the integration timeout, 500 when the function times out', async () => {
    const never = () => new Promise<never>(() => undefined);
    const routes = [{ method: 'GET', path: '/slow', handler: 'slow' }] as never;
    const integration = await dispatchHttp({ method: 'GET', url: '/slow', headers: {} }, { slow: never }, routes, { integrationTimeoutMs: 100, functionTimeoutMs: () => 10_000 });
    expect(integration).toMatchObject({ status: 503, body: '{"message":"Service Unavailable"}' });
    const stopped = await dispatchHttp({ method: 'GET', url: '/slow', headers: {} }, { slow: never }, routes, { integrationTimeoutMs: 10_000, functionTimeoutMs: () => 100 });
    expect(stopped).toMatchObject({ status: 500, body: '{"message":"Internal Server Error"}' });
    // Our wrapper, given the same context, answers first.
    const ours = agentRoute('slow', never);
    const answered = await dispatchHttp({ method: 'GET', url: '/slow', headers: {} }, { slow: ours as never }, routes, { functionTimeoutMs: () => 600 });
    expect(answered).toMatchObject({ status: 503 });
    expect(JSON.parse(answered.body)).toMatchObject({ code: 'SRV-1000' });
    const fine = await dispatchHttp({ method: 'GET', url: '/slow', headers: {} }, { slow: agentRoute('fine', async () => jsonResponse(200, { ok: true })) as never }, routes, { functionTimeoutMs: () => 600 });
    expect(fine.status).toBe(200);
  });
});
