import { startAuthOrigin } from './auth-origin';
import { startLocalStack } from './stack';

/**
 * `npm start`: the local stack on fixed loopback ports (HANDSHAKE_HTTP_PORT, HANDSHAKE_WS_PORT,
 * HANDSHAKE_DEMO_PORT), data under `.data/`, until Ctrl-C.
 *
 * For several environments behind one auth origin (see README, "Shared development apps"):
 * HANDSHAKE_ROLE=auth-origin runs the auth origin instead; HANDSHAKE_ENVIRONMENT names an environment,
 * HANDSHAKE_CALLBACK_BASE_URL points its callbacks at the auth origin, HANDSHAKE_REGISTRY_DIR is the
 * registry folder they share, HANDSHAKE_PROVIDERS_CONFIG replaces the demo provider's settings.
 * The metrics are written as EMF lines, as in Lambda (HANDSHAKE_METRICS=off: not).
 * The last line printed is `handshake-ready {json}` with the URLs, for scripts.
 */
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const env = process.env;

let close: () => Promise<void>;
if (env.HANDSHAKE_ROLE === 'auth-origin') {
  const registryDir = env.HANDSHAKE_REGISTRY_DIR ?? '.data/registry';
  const origin = await startAuthOrigin({ port: port('HANDSHAKE_HTTP_PORT', 3100), registryDir });
  close = origin.close;
  console.log(`\nhandshake auth origin is running\n  callback router  ${origin.url}/no-auth/provider-token/{provider}\n  actions proxy    ${origin.url}/no-auth/provider-action/{provider}\n  registry         ${registryDir}/\n\nCtrl-C stops it.`);
  console.log(`handshake-ready ${JSON.stringify({ role: 'auth-origin', url: origin.url })}`);
} else {
  const stack = await startLocalStack({
    httpPort: port('HANDSHAKE_HTTP_PORT', 3000),
    wsPort: port('HANDSHAKE_WS_PORT', 3001),
    demoPort: port('HANDSHAKE_DEMO_PORT', 3002),
    dataDir: env.HANDSHAKE_DATA_DIR ?? '.data',
    environment: env.HANDSHAKE_ENVIRONMENT,
    callbackBaseUrl: env.HANDSHAKE_CALLBACK_BASE_URL,
    registryDir: env.HANDSHAKE_REGISTRY_DIR,
    providers: env.HANDSHAKE_PROVIDERS_CONFIG ? JSON.parse(env.HANDSHAKE_PROVIDERS_CONFIG) : undefined,
    // As in Lambda, the metrics are EMF lines among the logs; HANDSHAKE_METRICS=off leaves them out.
    metrics: env.HANDSHAKE_METRICS !== 'off',
  }).catch((err: Error) => {
    // A configuration mistake is a sentence, not a stack trace.
    console.error(`handshake did not start: ${err.message}`);
    process.exit(1);
  });
  close = stack.close;
  console.log(`
handshake is running locally (environment "${stack.env.RUN_TIME_ENVIRONMENT}")
  HTTP API        ${stack.apiUrl}
  me-channel      ${stack.wsUrl}  (management API ${stack.ws.managementUrl}/@connections/{id})
${stack.demo ? `  demo provider   ${stack.demo.issuer}  (any login name, any password)\n` : ''}  DynamoDB        ${stack.dynamo.endpoint}  (dynalite, table ${stack.env.TABLE_NAME}, data in ${env.HANDSHAKE_DATA_DIR ?? '.data'}/)

Every handshake belongs to the agent that starts it, so there is no link to open from here. Play the agent:
  npm run demo      (a loopback sign-up, a poll-mode sign-up that types the user code, and a connect)
or start one from your own agent with the client in client/ (README, "The agent client").

Ctrl-C stops everything.`);
  console.log(`handshake-ready ${JSON.stringify({ role: 'environment', environment: stack.env.RUN_TIME_ENVIRONMENT, apiUrl: stack.apiUrl, wsUrl: stack.wsUrl, dynamodb: stack.dynamo.endpoint, table: stack.env.TABLE_NAME })}`);
}

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  await close();
  console.log('stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
