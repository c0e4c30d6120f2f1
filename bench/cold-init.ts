import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface ColdInitTarget {
  name: string;
  /** The bundled module to import; none for bare node. */
  file?: string;
  /** Extra node flags, e.g. `--enable-source-maps` (what the stack sets in NODE_OPTIONS). */
  flags?: string[];
}

export interface ColdInit {
  name: string;
  flags: string[];
  runs: number;
  medianMs: number;
  minMs: number;
  /** Median minus bare node's median in the same run. */
  overBareMs: number;
  /** Median of the `import()` alone, timed inside the child (no process start or exit in it). */
  importMs: number;
}

const SPAWN_TIMEOUT_MS = 30_000;

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Wall time of `node --input-type=module -e "await import('<bundle>')"` from spawn to exit, `runs` times per
 * target, in rounds (every target once per round, the order rotating) so that drift in the machine's speed
 * spreads over all targets alike. Bare node (the same flags, no import) runs in the same rounds and its
 * median is subtracted. Each child also times its `import()` alone, which is steadier. The children get an
 * empty environment but PATH: importing must need nothing else.
 */
export function measureColdInit(targets: ColdInitTarget[], runs: number, progress: (line: string) => void = () => undefined): ColdInit[] {
  const all: ColdInitTarget[] = [{ name: 'bare node' }, ...targets];
  const times = all.map(() => [] as number[]);
  const imports = all.map(() => [] as number[]);
  const env = { PATH: process.env.PATH ?? '' };
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < all.length; k++) {
      const index = (k + round) % all.length;
      const target = all[index]!;
      const code = target.file ? `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(target.file).href)}); process.stdout.write(String(performance.now() - t));` : '';
      const started = performance.now();
      const child = spawnSync(process.execPath, [...(target.flags ?? []), '--input-type=module', '-e', code], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: SPAWN_TIMEOUT_MS,
      });
      const ms = performance.now() - started;
      if (child.status !== 0) throw new Error(`cold init of ${target.name} failed (${child.status ?? child.signal}): ${child.stderr.toString().slice(0, 1000)}`);
      times[index]!.push(ms);
      imports[index]!.push(target.file ? Number(child.stdout.toString()) : 0);
    }
    if ((round + 1) % 5 === 0 || round + 1 === runs) progress(`cold init: round ${round + 1}/${runs}`);
  }
  const bare = median(times[0]!);
  return all.map((target, index) => ({
    name: target.name,
    flags: target.flags ?? [],
    runs,
    medianMs: median(times[index]!),
    minMs: Math.min(...times[index]!),
    overBareMs: median(times[index]!) - bare,
    importMs: median(imports[index]!),
  }));
}
