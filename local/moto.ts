import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** moto_server on this machine (Python's moto: SSM and DynamoDB as AWS answers them), or why not. */
export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * moto's server app behind one lock: DynamoDB applies the writes to one item one after another (conditions
 * included), and moto_server's threads do not, so two conditional writes at once could both pass.
 */
const SERIALIZED_MOTO = `
import sys, threading
from werkzeug.serving import run_simple
from moto.server import DomainDispatcherApplication, create_backend_app
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()
def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))
run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
`;

/** Whether the python3 on PATH has moto's server (pip's moto[server]); moto_server alone may live in its own venv. */
const pythonHasMoto = (): boolean => spawnSync('python3', ['-c', 'import moto.server, werkzeug'], { stdio: 'ignore' }).status === 0;

/** Starts moto's server on a loopback port (requests serialized where python3 can load it) and waits until it answers. */
export async function startMoto(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const port = await freePort();
  const env = { ...process.env, MOTO_PORT: String(port) };
  const child = pythonHasMoto()
    ? spawn('python3', ['-c', SERIALIZED_MOTO, '127.0.0.1', String(port)], { stdio: 'ignore', env })
    : spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await fetch(`${endpoint}/moto-api/`).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill();
      throw new Error('moto_server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    async close() {
      child.kill();
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
