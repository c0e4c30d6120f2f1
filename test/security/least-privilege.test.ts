import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeChannelListener } from '../../local/me-channel-listener';
import type { KeyRing } from '../../shared/crypto/keys';
import type { SettingsSource } from '../../shared/providers/settings';
import { TOUCH_EVERY_MS } from '../../shared/sessions';
import { actionsOf, flatten, functionOf, functionsByHandler, permissionsOf, synthesize, SYNTH_TIMEOUT_MS, type SynthesizedStack } from '../infra/synthesized-stack';
import { claim, connect, runBrowser, signUp, start } from '../support/flows';
import { CLIENT_SECRET, createWorld, type World } from '../support/world';

/**
 * Least privilege, checked against behaviour: the e2e flows run through every handler the branch stack
 * deploys while a middleware on the broker's AWS clients (and a watch on the key ring and the provider
 * settings) records what each handler actually uses. Each use must be granted by that function's
 * synthesized policy, and each grant must have been used, so the policy can neither fall behind the code
 * nor keep rights the code dropped. Replaces the hand-kept list of expected actions.
 */
const ENV = 'feature-x';
const current = new AsyncLocalStorage<string>();
const used = new Map<string, Set<string>>();
function note(capability: string) {
  const handler = current.getStore();
  if (!handler) return; // the test's own setup, outside any handler call
  if (!used.has(handler)) used.set(handler, new Set());
  used.get(handler)!.add(capability);
}

/** What an AWS SDK command needs: the IAM action, and for the management API the method in the resource. */
function capabilityOf(commandName: string): string {
  const management: Record<string, string> = { PostToConnectionCommand: 'POST', DeleteConnectionCommand: 'DELETE', GetConnectionCommand: 'GET' };
  if (management[commandName]) return `execute-api:ManageConnections ${management[commandName]} @connections`;
  return `dynamodb:${commandName.replace(/Command$/, '')}`;
}

/** The part of an AWS SDK v3 client the recorder needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type WithMiddleware = { middlewareStack: { add: (...args: any[]) => void } };

function recordCommands(client: WithMiddleware) {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      note(capabilityOf(context.commandName ?? 'unknown'));
      return next(args);
    },
    { step: 'initialize', name: 'leastPrivilegeRecorder' },
  );
}

const watchKeys = (ring: KeyRing): KeyRing =>
  new Proxy(ring, {
    get(target, property, receiver) {
      note('key ring');
      return Reflect.get(target, property, receiver);
    },
  });
const watchSettings = (source: SettingsSource): SettingsSource => ({
  get(providerId) {
    note('provider settings');
    return source.get(providerId);
  },
});

let stack: SynthesizedStack;
let world: World;
const SIGNING_SECRET = 'slack-signing-secret-for-the-test';

beforeAll(async () => {
  stack = synthesize({ env: ENV });
  world = await createWorld({
    meChannel: true,
    settings: (issuer) => ({
      oidc: { issuer, clientId: 'handshake-test', clientSecret: CLIENT_SECRET },
      slack: { clientId: 'slack-client', clientSecret: 'slack-secret', signingSecret: SIGNING_SECRET },
    }),
    instruments: { around: (handler, call) => current.run(handler, call), keys: watchKeys, settings: watchSettings },
  });
  recordCommands(world.rt.table.client);
  recordCommands(world.rt.meChannel!.client);
}, SYNTH_TIMEOUT_MS);
afterAll(async () => {
  await world?.close();
  stack?.cleanup();
});

/** What a synthesized statement grants, in the terms the recorder uses; anything unrecognised fails the test. */
function grantsOf(handler: string): string[] {
  const ssm = 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter';
  const grants = new Set<string>();
  for (const statement of permissionsOf(stack, functionOf(stack, handler)).statements) {
    const resource = flatten(statement.Resource);
    for (const action of actionsOf([statement])) {
      if (action.startsWith('logs:')) continue; // the function's own log group: every function writes logs
      if (action.startsWith('dynamodb:') && /^<\w*Table\w*\.Arn>$/.test(resource)) grants.add(action);
      else if (action === 'ssm:GetParameter' && resource === `${ssm}/aws/reference/secretsmanager/handshake/${ENV}/keys`) grants.add('key ring');
      else if (action === 'secretsmanager:GetSecretValue' && /^<\w*Secret\w*>$/.test(resource)) grants.add('key ring');
      else if (action === 'ssm:GetParametersByPath' && resource === `${ssm}/handshake/${ENV}/providers`) grants.add('provider settings');
      else if (action === 'execute-api:ManageConnections') grants.add(`execute-api:ManageConnections ${/\/live\/(\w+)\/@connections\/\*$/.exec(resource)?.[1] ?? resource} @connections`);
      else grants.add(`unrecognised: ${action} on ${resource}`);
    }
  }
  return [...grants].sort();
}

const bearer = (session: string) => ({ headers: { authorization: `Bearer ${session}` } });

/** Every flow of the SPEC, through every deployed handler, with the paths that only some calls take. */
async function runEveryFlow() {
  // Sign-up (new user), loopback; the success page the agent's listener sends the browser to.
  const ada = await signUp(world, 'ada-privilege');
  expect(ada.check.status).toBe(200);
  expect((await ada.run.browser.request(ada.run.page.toString())).status).toBe(200);
  expect((await world.call('GET', '/web/error?code=AUTH-1005&provider=oidc')).status).toBe(200);

  // The me-channel: open, and a socket that vanishes (its $disconnect never runs, the next publish gets 410).
  const channel = await MeChannelListener.open(world.ws!.url, ada.session);
  const vanishing = await MeChannelListener.open(world.ws!.url, ada.session);
  world.ws!.vanish(world.ws!.connectionIds().at(-1)!);

  // Sign-in of the returning person (reads the partition, publishes, forgets the vanished socket).
  const again = await signUp(world, 'ada-privilege');
  expect(again.check.json.signupStatus).toBe('signedIn');

  // Connect, poll mode (the confirmation form), claimed with the Bearer session.
  const started = await start(world, { flow: 'connect', session: ada.session, mode: 'poll' });
  const run = await runBrowser(world, started.url, 'ada-privilege', { userCode: started.userCode });
  expect(run.page.pathname).toContain('/web/auth-complete/');
  expect((await claim(world, started)).status).toBe(200);
  // The same browser reloads the callback (its visit is spent): the refused transition reads the record where
  // the refusal does not carry it, and shows the outcome again.
  expect(new URL((await run.browser.request(run.callbackUrl)).headers.get('location')!, 'http://x').pathname).toBe('/web/auth-complete/oidc');

  // Refresh (the refresh token from offline_access), deauth, the provider list, a signed provider action.
  expect((await world.call('GET', '/provider-refresh/oidc', bearer(ada.session))).status).toBe(200);
  expect((await world.call('PUT', '/provider-deauth/oidc', bearer(ada.session))).status).toBe(200);
  expect((await world.call('GET', '/providers')).status).toBe(200);
  expect((await world.call('GET', '/me', bearer(ada.session))).json.version).toBeGreaterThan(0);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = 'payload=%7B%7D';
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const action = await world.call('POST', '/no-auth/provider-action/slack', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
    body,
  });
  expect(action.status, action.body).toBe(200);

  // Sessions signed in now and used an hour later, one per Bearer route, so that each route is the first use
  // in an hour and records it (one UpdateItem, at most once an hour).
  const userId = ada.check.json.user.id as string;
  const issue = () => world.rt.sessions.issue({ userId });
  const stale = { connect: await issue(), socket: await issue(), refresh: await issue(), deauth: await issue(), me: await issue(), signOut: await issue() };
  world.clock.offsetMs = TOUCH_EVERY_MS + 60_000;
  try {
    await connect(world, stale.connect, 'ada-privilege');
    await MeChannelListener.open(world.ws!.url, stale.socket);
    world.ws!.vanish(world.ws!.connectionIds().at(-1)!); // the refresh's publish meets it gone (410) and forgets it
    expect((await world.call('GET', '/provider-refresh/oidc', bearer(stale.refresh))).status).toBe(200);
    await MeChannelListener.open(world.ws!.url, stale.socket);
    world.ws!.vanish(world.ws!.connectionIds().at(-1)!); // and the deauth's publish too
    expect((await world.call('PUT', '/provider-deauth/oidc', bearer(stale.deauth))).status).toBe(200);
    expect((await world.call('GET', '/me', bearer(stale.me))).status).toBe(200);
    const later = await MeChannelListener.open(world.ws!.url, ada.session);
    expect((await world.call('DELETE', '/session', bearer(stale.signOut))).status).toBe(200);
    // Sign out everywhere closes the rest, and their $disconnect runs.
    expect((await world.call('DELETE', '/sessions', bearer(ada.session))).json.sessions).toBeGreaterThan(1);
    await Promise.race([Promise.all([channel.closed, later.closed]), new Promise((_, reject) => setTimeout(() => reject(new Error('sign-out closed no socket')), 5_000))]);
  } finally {
    world.clock.offsetMs = 0;
  }
  vanishing.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('least privilege, checked against what the handlers do', () => {
  it(
    'grants every deployed handler exactly what it used while every flow ran',
    async () => {
      await runEveryFlow();
      const rows: string[] = [];
      const mismatches: Record<string, { unused: string[]; ungranted: string[] }> = {};
      for (const handler of [...functionsByHandler(stack).keys()].sort()) {
        const granted = grantsOf(handler);
        const sent = [...(used.get(handler) ?? [])].sort();
        // On moto (as on AWS) a refused transition of an existing record carries the item, so these flows never
        // reach the GetItem that visit and callback keep for a record that does not exist (a forged code).
        const onlyForAbsentItems = process.env.HANDSHAKE_DYNAMODB === 'moto' && ['provider-auth', 'provider-token'].includes(handler) ? ['dynamodb:GetItem'] : [];
        const unused = granted.filter((g) => !sent.includes(g) && !onlyForAbsentItems.includes(g));
        const ungranted = sent.filter((s) => !granted.includes(s));
        if (unused.length || ungranted.length) mismatches[handler] = { unused, ungranted };
        rows.push(`  ${handler.padEnd(20)} ${sent.join(', ') || '(nothing)'}`);
      }
      console.log(`What each handler used while the flows ran (= what its policy grants):\n${rows.join('\n')}`);
      expect(mismatches).toEqual({});
      // Every deployed function ran: a handler the flows never reach would pass with nothing granted.
      expect([...used.keys()].sort()).toEqual(expect.arrayContaining([...functionsByHandler(stack).keys()].filter((h) => grantsOf(h).length)));
    },
    120_000,
  );
});
