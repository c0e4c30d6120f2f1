import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeOf, createVerifier } from '../../client/index';
import { MeChannelListener } from '../../local/me-channel-listener';
import { authorizeAtProvider, Browser, submitUserCode, type BrowserResponse } from '../../local/scripted-browser';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { demoAgent } from '../support/agents';
import { captureEmf, type EmfDatapoint } from '../support/emf';

/**
 * The metrics as CloudWatch would read them: the local stack runs the real handlers with the runtime built
 * from the environment, as in Lambda, and Powertools writes EMF lines on stdout, which this takes off.
 */
const ENVIRONMENT = 'emf-test';
const BASE = ['service', 'environment'];
const HANDSHAKE = [...BASE, 'provider', 'flow', 'mode'];

let stack: LocalStack;
let emf: ReturnType<typeof captureEmf>;

beforeAll(async () => {
  emf = captureEmf();
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, demoPort: 0, environment: ENVIRONMENT, metrics: true });
});
afterAll(async () => {
  await stack?.close();
  emf?.stop();
});

/** The datapoints of `name` whose dimensions include `match`. */
const points = (name: string, match: Record<string, string> = {}) =>
  emf.datapoints(name).filter((point) => Object.entries(match).every(([dimension, value]) => point.dimensions[dimension] === value));
const total = (list: EmfDatapoint[]) => list.flatMap((point) => point.value).reduce((sum, value) => sum + value, 0);

/** An agent whose person cancels at the provider's login page (the provider answers error=access_denied). */
function cancellingAgent(login: string) {
  const browser = new Browser();
  return demoAgent(stack, login, {
    client: {
      openBrowser: async (url) => {
        const callback = await authorizeAtProvider(browser, url, `${stack.apiUrl}/no-auth/provider-token/`, login, { abort: true });
        await browser.follow(callback);
      },
    },
  });
}

/** A poll-mode sign-up started by hand, as an agent does it: the code, its verifier, the browser URL and user code. */
async function startPollSignup() {
  const verifier = createVerifier();
  const response = await fetch(`${stack.apiUrl}/provider-auth-code`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'demo', flow: 'signup', challenge: challengeOf(verifier), challengeMethod: 'S256' }),
  });
  expect(response.status).toBe(200);
  const { code, url, userCode } = (await response.json()) as { code: string; url: string; userCode: string };
  return { code, url, userCode, verifier };
}

const claimOf = (started: { code: string; verifier: string }) =>
  fetch(`${stack.apiUrl}/no-auth/check-signup`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: started.code, verifier: started.verifier }) });

describe('metrics (EMF through Powertools) of real handshakes through the local stack', () => {
  it('counts a sign-up and a connect as started and completed, times their claims, and counts the me-channel delivery', async () => {
    const agent = demoAgent(stack, 'metrics-ada');
    const { sessionToken } = await agent.signUp('demo');
    const socket = await MeChannelListener.open(stack.wsUrl, sessionToken);
    const connection = await agent.connect('demo');
    await socket.wait((m) => m.message.user.$set?.['providerInfo.demo.accessToken'] === connection.accessToken);

    for (const flow of ['signup', 'connect']) {
      const kind = { provider: 'demo', flow, mode: 'loopback' };
      for (const name of ['HandshakeStarted', 'HandshakeCompleted']) {
        const [point, ...more] = points(name, kind);
        expect(more, `${name} ${flow}`).toEqual([]);
        expect(point, `${name} ${flow}`).toMatchObject({ unit: 'Count', value: 1, namespace: 'Handshake', dimensionSets: [BASE, HANDSHAKE] });
        expect(point!.dimensions).toEqual({ service: 'handshake', environment: ENVIRONMENT, ...kind });
      }
      const [latency, ...moreLatencies] = points('ClaimLatency', kind);
      expect(moreLatencies, `ClaimLatency ${flow}`).toEqual([]);
      expect(latency).toMatchObject({ unit: 'Milliseconds', dimensionSets: [BASE, HANDSHAKE] });
      expect(latency!.value).toBeGreaterThanOrEqual(0);
      expect(latency!.value).toBeLessThan(15_000);
    }
    // The claim and its timing leave together: one record, the same dimensions.
    const claimRecord = emf.records.find((record) => record.flow === 'connect' && 'HandshakeCompleted' in record);
    expect(claimRecord?._aws.CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name)).toEqual(['HandshakeCompleted', 'ClaimLatency']);

    // The connect's publish reached the open socket; its counts have only the service-wide dimensions.
    const delivered = points('MeChannelDelivered');
    expect(total(delivered)).toBeGreaterThanOrEqual(1);
    for (const name of ['MeChannelDelivered', 'MeChannelGone', 'MeChannelFailed']) {
      for (const point of points(name)) {
        expect(point).toMatchObject({ unit: 'Count', dimensionSets: [BASE] });
        expect(point.dimensions).toEqual({ service: 'handshake', environment: ENVIRONMENT });
      }
    }
    expect(total(points('MeChannelFailed'))).toBe(0);

    // A refresh of the connected token: counted per provider.
    const refreshed = await fetch(`${stack.apiUrl}/provider-refresh/demo`, { headers: { authorization: `Bearer ${sessionToken}` } });
    expect(refreshed.status).toBe(200);
    expect(points('TokenRefreshed', { provider: 'demo' })).toEqual([
      expect.objectContaining({ unit: 'Count', value: 1, dimensionSets: [BASE, [...BASE, 'provider']], dimensions: { service: 'handshake', environment: ENVIRONMENT, provider: 'demo' } }),
    ]);
    socket.close();
    agent.close();
  });

  it('counts a handshake the person cancelled at the provider as failed, with the code the agent was told (USRC-1022)', async () => {
    const agent = cancellingAgent('metrics-bea');
    await expect(agent.signUp('demo')).rejects.toMatchObject({ code: 'USRC-1022' });
    const [failed, ...more] = points('HandshakeFailed', { errorCode: 'USRC-1022' });
    expect(more).toEqual([]);
    expect(failed).toMatchObject({ unit: 'Count', value: 1, dimensionSets: [BASE, [...HANDSHAKE, 'errorCode']] });
    expect(failed!.dimensions).toEqual({ service: 'handshake', environment: ENVIRONMENT, provider: 'demo', flow: 'signup', mode: 'loopback', errorCode: 'USRC-1022' });
    // Started, and never completed.
    expect(points('HandshakeStarted', { flow: 'signup' })).toHaveLength(2);
    expect(points('HandshakeCompleted', { flow: 'signup' })).toHaveLength(1);
    agent.close();
  });

  it('counts a poll-mode handshake stopped by five wrong user codes as failed once (AUTH-1010)', async () => {
    const browser = new Browser();
    const agent = demoAgent(stack, 'metrics-cy', {
      client: {
        openBrowser: async (url) => {
          let page = await browser.follow(url);
          for (let typed = 0; typed < 5; typed++) page = await submitUserCode(browser, page, 'BBBB-CCCC');
          expect(new URL(page.url).searchParams.get('code')).toBe('AUTH-1010');
        },
      },
    });
    await expect(agent.signUp('demo', { mode: 'poll', onUserCode: () => undefined })).rejects.toMatchObject({ code: 'AUTH-1010' });
    expect(points('HandshakeFailed', { errorCode: 'AUTH-1010' }).map((point) => point.dimensions)).toEqual([
      { service: 'handshake', environment: ENVIRONMENT, provider: 'demo', flow: 'signup', mode: 'poll', errorCode: 'AUTH-1010' },
    ]);
    agent.close();
  });

  it('counts one completion however many claims race, and one failure however many browsers type wrong codes at once', async () => {
    const kind = { provider: 'demo', flow: 'signup', mode: 'poll' };
    const completedBefore = points('HandshakeCompleted', kind).length;
    const latenciesBefore = points('ClaimLatency', kind).length;
    const started = await startPollSignup();
    const browser = new Browser();
    const callback = await authorizeAtProvider(browser, started.url, `${stack.apiUrl}/no-auth/provider-token/`, 'metrics-race', { userCode: started.userCode });
    await browser.follow(callback);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => claimOf(started).then((r) => r.status)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(points('HandshakeCompleted', kind).length - completedBefore).toBe(1);
    // Every claim that answered was timed; only the one that committed completed.
    expect(points('ClaimLatency', kind).length - latenciesBefore).toBe(20);

    // Two browsers (two cookie jars) on one forwarded link, typing wrong codes together: ten tries, one end.
    const failedBefore = points('HandshakeFailed', { errorCode: 'AUTH-1010' }).length;
    const target = await startPollSignup();
    const typeWrong = async () => {
      const own = new Browser();
      let page: BrowserResponse = await own.follow(target.url);
      for (let typed = 0; typed < 5 && /name="userCode"/.test(page.body); typed++) page = await submitUserCode(own, page, 'BBBB-CCCC');
    };
    await Promise.all([typeWrong(), typeWrong()]);
    expect((await claimOf(target).then((r) => r.json())) as { code?: string }).toMatchObject({ code: 'AUTH-1010' });
    expect(points('HandshakeFailed', { errorCode: 'AUTH-1010' }).length - failedBefore).toBe(1);
  });

  it('puts no user id, token, code or host in any record', () => {
    const allowed = new Set(['_aws', 'service', 'environment', 'provider', 'flow', 'mode', 'errorCode']);
    for (const record of emf.records) {
      const names = record._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((metric) => metric.Name));
      for (const member of Object.keys(record)) expect(allowed.has(member) || names.includes(member), member).toBe(true);
    }
    expect(emf.records.length).toBeGreaterThan(0);
  });
});
