import { HandshakeClient } from '../client/index';
import { authorizeAtProvider, Browser } from './scripted-browser';
import { MeChannelListener } from './me-channel-listener';

/**
 * `npm run demo`: an IDE agent (the client in `client/`) against the running local stack (`npm start`), three
 * handshakes: a loopback sign-up, a poll-mode sign-up that types the user code, and a connect. Its "browser"
 * completes the broker's and the demo provider's pages over plain HTTP, as a person would.
 */
const apiUrl = process.env.HANDSHAKE_API_URL ?? `http://127.0.0.1:${process.env.HANDSHAKE_HTTP_PORT ?? 3000}`;
const wsUrl = process.env.HANDSHAKE_WS_URL ?? `ws://127.0.0.1:${process.env.HANDSHAKE_WS_PORT ?? 3001}`;
const login = process.env.DEMO_LOGIN ?? 'ada';
const step = (n: number, text: string) => console.log(`\n[${n}] ${text}`);
const short = (token: string) => `${token.slice(0, 8)}… (${token.length} chars)`;
const where = (url: string) => url.split('?')[0];

/** The person in the browser; in poll mode they read the user code off the IDE and type it. */
let shownUserCode: string | undefined;
async function openBrowser(url: string) {
  const browser = new Browser();
  console.log(`    browser opens ${where(url)}`);
  const callback = await authorizeAtProvider(browser, url, `${apiUrl}/no-auth/provider-token/`, login, { userCode: shownUserCode });
  if (shownUserCode) console.log(`    typed ${shownUserCode} on the confirmation page`);
  console.log(`    provider logged in "${login}", consented, redirected back with a code`);
  const page = await browser.follow(callback);
  const hops = browser.visited.slice(browser.visited.indexOf(callback) + 1).map(where);
  console.log(`    browser then went to ${hops.join(' → ')} (${page.status})`);
  shownUserCode = undefined;
}

try {
  await fetch(`${apiUrl}/web/error`);
} catch {
  console.error(`No local stack at ${apiUrl}. Start it first with: npm start`);
  process.exit(1);
}

const onUserCode = (userCode: string) => {
  console.log(`    the IDE shows the user code ${userCode}`);
  shownUserCode = userCode;
};

try {
  step(1, 'sign up with the demo provider, loopback mode (the browser brings the result to 127.0.0.1)');
  const first = new HandshakeClient({ apiUrl, wsUrl, openBrowser, clientName: 'handshake demo' });
  const signup = await first.signUp('demo');
  console.log(`    claimed → ${signup.signupStatus}: user ${signup.user.id} <${signup.user.email}>`);
  console.log(`    session token ${short(signup.sessionToken)}; demo access token ${short(signup.connection.accessToken)}`);

  step(2, 'sign up again from a "remote IDE", poll mode (the person types the user code)');
  const remote = new HandshakeClient({ apiUrl, wsUrl, openBrowser, clientName: 'remote demo', pollIntervalMs: 500 });
  const again = await remote.signUp('demo', { mode: 'poll', onUserCode });
  console.log(`    claimed → ${again.signupStatus}: the same user ${again.user.id}`);
  remote.close();

  step(3, 'connect a second provider (generic OpenID Connect, discovered from the demo issuer), loopback mode');
  const channel = await MeChannelListener.of(first);
  const connection = await first.connect('oidc');
  console.log(`    claimed → oidc access token ${short(connection.accessToken)} for account ${String(connection.data?.username ?? connection.data?.userId)}`);
  const pushed = await channel.wait((m) => Object.keys(m.message.user.$set ?? {}).some((path) => path.startsWith('providerInfo.oidc.')), AbortSignal.timeout(5_000));
  console.log(`    also pushed on ${pushed.channel}: $set ${Object.keys(pushed.message.user.$set ?? {}).join(', ')}`);
  channel.close();
  first.close();

  console.log('\ndone: three handshakes, each collected only by the agent that started it.');
} catch (err) {
  console.error(`\ndemo failed: ${(err as Error).name}: ${(err as Error).message}`);
  process.exitCode = 1;
}
