import { randomUUID } from 'node:crypto';
import { startLocalStack } from './stack';

/**
 * `npm start`: the local stack on fixed loopback ports (HANDSHAKE_HTTP_PORT, HANDSHAKE_WS_PORT,
 * HANDSHAKE_DEMO_PORT), data under `.data/`, until Ctrl-C.
 */
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const stack = await startLocalStack({
  httpPort: port('HANDSHAKE_HTTP_PORT', 3000),
  wsPort: port('HANDSHAKE_WS_PORT', 3001),
  demoPort: port('HANDSHAKE_DEMO_PORT', 3002),
  dataDir: process.env.HANDSHAKE_DATA_DIR ?? '.data',
});

const signupToken = randomUUID();
console.log(`
handshake is running locally (environment "${stack.env.RUN_TIME_ENVIRONMENT}")
  HTTP API        ${stack.apiUrl}
  me-channel      ${stack.wsUrl}  (management API ${stack.ws.managementUrl}/@connections/{id})
  demo provider   ${stack.demo.issuer}  (any login name, any password)
  DynamoDB        ${stack.dynamo.endpoint}  (dynalite, table ${stack.env.TABLE_NAME}, data in ${process.env.HANDSHAKE_DATA_DIR ?? '.data'}/)

Try a sign-up in your browser:
  ${stack.apiUrl}/web/provider-auth/demo?signupToken=${signupToken}
then collect it as an agent would:
  curl -s -X PUT ${stack.apiUrl}/no-auth/check-signup -d '{"token":"${signupToken}"}'
or run the scripted agent against this stack:  npm run demo

Ctrl-C stops everything.
`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  await stack.close();
  console.log('stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
