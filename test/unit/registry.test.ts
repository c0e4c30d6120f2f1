import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LoadedRegistry, ssmRegistry } from '../../shared/routing/registry';
import { motoAvailable, startMoto } from '../../local/moto';

const PROD = 'https://api.handshake.example';
const madeUp = (i: number) => `made-up-${i.toString(36)}-x`;

/** A registry over a counted load and a clock the test moves. */
function counted(entries: Record<string, string>) {
  const clock = { now: Date.UTC(2026, 11, 3, 12) };
  const registry = new LoadedRegistry(async () => new Map(Object.entries(entries)), { now: () => clock.now });
  return { registry, clock };
}

describe('the auth origin’s environment registry', () => {
  it('answers a flood of 1,000 made-up names with at most one registry read, and never re-reads prod for them', async () => {
    const { registry, clock } = counted({ prod: PROD, 'feature-x': 'https://feature-x.example' });
    expect(await registry.lookup('prod')).toBe(PROD);
    expect(registry.loads).toBe(1);
    clock.now += 10_000;
    // Half at once (a burst of callbacks), half one after the other.
    const burst = await Promise.all(Array.from({ length: 500 }, (_, i) => registry.lookup(madeUp(i))));
    for (let i = 500; i < 1000; i++) expect(await registry.lookup(madeUp(i))).toBeUndefined();
    expect(burst.every((url) => url === undefined)).toBe(true);
    const floodReads = registry.loads - 1;
    expect(floodReads).toBeLessThanOrEqual(1);
    expect(await registry.lookup('prod')).toBe(PROD);
    expect(await registry.lookup('feature-x')).toBe('https://feature-x.example');
    console.log(`registry flood: 1,000 distinct made-up names → ${floodReads} registry read(s); prod and feature-x looked up after it → ${registry.loads - 1 - floodReads} more`);
    expect(registry.loads - 1).toBe(floodReads);
    // Names that are not environment names never cost a read at all.
    clock.now += 10_000;
    const before = registry.loads;
    for (const junk of ['', 'PROD', '../prod', 'a'.repeat(64), 'prod/x']) expect(await registry.lookup(junk)).toBeUndefined();
    expect(registry.loads).toBe(before);
  });

  it('finds a branch deployed a moment ago within 5 s, refreshes every minute, and forgets a removed one', async () => {
    const entries: Record<string, string> = { prod: PROD };
    const { registry, clock } = counted(entries);
    expect(await registry.lookup('feature-new')).toBeUndefined();
    entries['feature-new'] = 'https://feature-new.example';
    clock.now += 1_000;
    expect(await registry.lookup('feature-new')).toBeUndefined(); // remembered as unknown until the next load
    clock.now += 5_000;
    expect(await registry.lookup('feature-other')).toBeUndefined(); // a miss after 5 s reloads...
    expect(await registry.lookup('feature-new')).toBe('https://feature-new.example'); // ...and the new branch is there
    delete entries['feature-new'];
    clock.now += 60_000;
    expect(await registry.lookup('prod')).toBe(PROD);
    expect(await registry.lookup('feature-new')).toBeUndefined();
  });

  it('keeps registered environments however many unknown names pass, and keeps only a bounded number of those', async () => {
    const { registry, clock } = counted({ prod: PROD });
    await registry.lookup('prod');
    for (let round = 0; round < 3; round++) {
      clock.now += 6_000;
      for (let i = 0; i < 1500; i++) await registry.lookup(madeUp(round * 10_000 + i));
    }
    expect((registry as unknown as { unknown: Map<string, number> }).unknown.size).toBeLessThanOrEqual(1_000);
    const loads = registry.loads;
    expect(await registry.lookup('prod')).toBe(PROD);
    expect(registry.loads).toBe(loads);
  });

  it('keeps answering from the last good load while the registry cannot be read, and retries every 5 s, not per request', async () => {
    const clock = { now: 0 };
    let down = false;
    const registry = new LoadedRegistry(async () => {
      if (down) throw new Error('ThrottlingException');
      return new Map([['prod', PROD]]);
    }, { now: () => clock.now });
    const never = new LoadedRegistry(async () => Promise.reject(new Error('down')), { now: () => clock.now });
    await expect(never.lookup('prod')).rejects.toThrow('down');
    await expect(never.lookup('prod')).rejects.toThrow('could not be read'); // not "unknown", and no second read yet
    expect(await registry.lookup('prod')).toBe(PROD);
    down = true;
    clock.now += 61_000;
    for (let i = 0; i < 100; i++) expect(await registry.lookup(i % 2 ? 'prod' : madeUp(i))).toBe(i % 2 ? PROD : undefined);
    expect({ loads: registry.loads, failures: registry.failures }).toEqual({ loads: 2, failures: 1 });
    clock.now += 5_000;
    expect(await registry.lookup('prod')).toBe(PROD);
    expect(registry.loads).toBe(3);
  });

  it('refuses registered values that are not https URLs (a registry entry is where browsers get sent)', async () => {
    const { registry } = counted({ prod: PROD, evil: 'http://evil.example', creds: 'https://u:p@x.example', local: 'http://127.0.0.1:3000' });
    expect(await registry.lookup('evil')).toBeUndefined();
    expect(await registry.lookup('creds')).toBeUndefined();
    expect(await registry.lookup('local')).toBe('http://127.0.0.1:3000');
  });
});

const moto = motoAvailable();
if (!moto) console.log('moto_server not found: the SSM registry test is skipped (pip install "moto[server]" to run it)');

describe.skipIf(!moto)('the registry in SSM Parameter Store (moto_server)', () => {
  let server: Awaited<ReturnType<typeof startMoto>>;
  let client: SSMClient;
  const requests: string[] = [];
  beforeAll(async () => {
    server = await startMoto();
    client = new SSMClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    // More than one page of GetParametersByPath (10 per page), and a parameter under a deeper path that is not ours.
    for (let i = 0; i < 12; i++) await client.send(new PutParameterCommand({ Name: `/handshake/environments/feature-${i}`, Type: 'String', Value: `https://feature-${i}.example` }));
    await client.send(new PutParameterCommand({ Name: '/handshake/environments/prod', Type: 'String', Value: PROD }));
    await client.send(new PutParameterCommand({ Name: '/handshake/environments/deeper/prod', Type: 'String', Value: 'https://wrong.example' }));
    client.middlewareStack.add((next, context) => async (args) => {
      requests.push(context.commandName ?? '?');
      return next(args);
    }, { step: 'initialize', name: 'countRequests' });
  }, 30_000);
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it('loads every environment with GetParametersByPath (following pages), and a flood costs no more', async () => {
    const registry = await ssmRegistry('/handshake/environments', { client });
    expect(await registry.lookup('prod')).toBe(PROD);
    expect(await registry.lookup('feature-11')).toBe('https://feature-11.example');
    const pages = requests.length;
    expect(new Set(requests)).toEqual(new Set(['GetParametersByPathCommand']));
    for (let i = 0; i < 1000; i++) expect(await registry.lookup(madeUp(i))).toBeUndefined();
    console.log(`SSM registry (13 environments): first load ${pages} GetParametersByPath page(s); 1,000 made-up names → ${registry.loads - 1} more load(s), ${requests.length - pages} more request(s)`);
    expect(registry.loads).toBe(1);
    expect(await registry.lookup('prod')).toBe(PROD);
  });
});
