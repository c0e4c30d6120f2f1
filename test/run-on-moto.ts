import { spawnSync } from 'node:child_process';
import { motoAvailable } from '../local/moto';

/**
 * npm test's second DynamoDB: the suites that run the stores through whole flows (e2e, security), again on
 * moto's server, which answers a refused conditional write with the blocking item as AWS does (the path
 * dynalite never takes) and checks expressions as AWS does. Skipped, and said so, where moto_server is absent.
 */
const SUITES = ['test/e2e', 'test/security'];

if (!motoAvailable()) {
  console.log('\nmoto_server not found (pip install "moto[server]"): skipping the second DynamoDB run (test/e2e and test/security on moto).');
  process.exit(0);
}
console.log(`\nThe second DynamoDB run: ${SUITES.join(', ')} on moto_server (region us-east-1).`);
const result = spawnSync('npx', ['vitest', 'run', ...SUITES], {
  stdio: 'inherit',
  // moto refuses the region 'local' that dynalite accepts.
  env: { ...process.env, HANDSHAKE_DYNAMODB: 'moto', AWS_REGION: 'us-east-1' },
});
process.exit(result.status ?? 1);
