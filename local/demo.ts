import { HandshakeClient } from '../client';
import { authorizeAtProvider, Browser } from './scripted-browser';

/**
 * `npm run demo`: an IDE agent (the client in `client/`) against the running local stack (`npm start`).
 * Its "browser" completes the demo provider's login and consent pages over plain HTTP, as a person would.
 */
const apiUrl = process.env.HANDSHAKE_API_URL ?? `http://127.0.0.1:${process.env.HANDSHAKE_HTTP_PORT ?? 3000}`;
const wsUrl = process.env.HANDSHAKE_WS_URL ?? `ws://127.0.0.1:${process.env.HANDSHAKE_WS_PORT ?? 3001}`;
const login = process.env.DEMO_LOGIN ?? 'ada';
const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const short = (token: string) => `${token.slice(0, 8)}… (${token.length} chars)`;

const browser = new Browser();
async function openBrowser(url: string) {
  console.log(`    browser opens ${url.split('?')[0]}`);
  const callback = await authorizeAtProvider(browser, url, `${apiUrl}/no-auth/provider-token/`, login);
  console.log(`    provider logged in "${login}", consented, redirected back with a code`);
  const page = await browser.follow(callback);
  console.log(`    browser lands on ${page.url.split('?')[0]} (${page.status})`);
}

try {
  await fetch(`${apiUrl}/web/error`);
} catch {
  console.error(`No local stack at ${apiUrl}. Start it first with: npm start`);
  process.exit(1);
}

const client = new HandshakeClient({ apiUrl, wsUrl, openBrowser, pollIntervalMs: 500 });
try {
  step(1, `sign up with the demo provider (polling check-signup)`);
  const signup = await client.signUp('demo');
  console.log(`    check-signup → ${signup.signupStatus}: user ${signup.user.id} <${signup.user.email}>`);
  console.log(`    session token ${short(signup.sessionToken)}; demo access token ${short(signup.connection.accessToken)}`);

  step(2, 'open the me-channel with the session token');
  const channel = await client.meChannel();
  console.log(`    connected to ${wsUrl}`);

  step(3, 'connect a second provider (generic OpenID Connect, discovered from the demo issuer)');
  const connection = await client.connect('oidc');
  const pushed = channel.received.at(-1)!;
  console.log(`    pushed on ${pushed.channel}: $set ${Object.keys(pushed.message.user.$set ?? {}).join(', ')}`);
  console.log(`    oidc access token ${short(connection.accessToken)}, expires ${new Date(connection.expiresAt ?? 0).toISOString()}`);

  console.log('\ndone: signed up, me-channel open, second provider connected and pushed.');
} catch (err) {
  console.error(`\ndemo failed: ${(err as Error).name}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
