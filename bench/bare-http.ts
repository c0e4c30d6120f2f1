import { request, type Agent } from 'node:http';

/**
 * A POST with nothing but node:http over a keep-alive agent; resolves with the parsed JSON answer. The floor
 * any client (the AWS SDK, simple-oauth2) pays for one request, against which the bench compares them.
 */
export function postJson(agent: Agent, origin: URL, path: string, body: string, headers: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: origin.hostname, port: origin.port, path, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
            if ((res.statusCode ?? 500) >= 300) reject(new Error(`${origin.host}${path} answered ${res.statusCode}`));
            else resolve(answer);
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A GET with node:http that reads the answer to its end; resolves with the status and the Location header. */
export function getRedirect(agent: Agent, url: URL): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'GET', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
