import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ReadyEnvironment {
  environment: string;
  apiUrl: string;
  wsUrl: string;
  dynamodb: string;
  table: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `local/start.ts` as its own process (an environment shares nothing with the others but the
 * registry folder) and waits for its `handshake-ready` line.
 */
export async function spawnEnvironment(env: Record<string, string>, timeoutMs = 60_000): Promise<ReadyEnvironment> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: { ...process.env, HANDSHAKE_HTTP_PORT: '0', HANDSHAKE_WS_PORT: '0', HANDSHAKE_DEMO_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const ready = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`environment did not start:\n${output}`)), timeoutMs);
    child.stdout!.on('data', () => {
      const line = /handshake-ready (\{.*\})/.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`environment exited with ${code}:\n${output}`));
    });
  });
  return {
    ...(ready as unknown as Omit<ReadyEnvironment, 'process' | 'output' | 'stop'>),
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
