import { execFileSync } from 'node:child_process';
import { isEnvironmentName } from '../shared/environment-name.js';

/** A `-c` value (or the branch) that the synth refuses: the deployer gets its message, not a stack trace. */
export class ContextRefused extends Error {}

/** Environments whose data outlives their stack (table and keys retained, point-in-time recovery on). */
export const PROTECTED_ENVIRONMENTS: readonly string[] = ['prod'];

/**
 * Where operators put one SecureString per provider, unless `-c providersPath=` says otherwise: per
 * environment, so that a branch deployer's stack (and its IAM grant) never covers prod's client secrets.
 */
export const providersPathFor = (environment: string) => `/handshake/${environment}/providers`;

/** What one `cdk deploy` is about: read from the CDK context (`-c key=value`) and the git branch. */
export interface Deployment {
  /** `runTimeEnvironment`: the stack is `Handshake-<environment>`. */
  environment: string;
  /** Data is retained on stack deletion and recoverable in time. */
  isProtected: boolean;
  /** SSM path holding `<path>/<providerId>` SecureStrings. */
  providersPath: string;
  /** Shared callback origin (`CALLBACK_BASE_URL`); absent: the environment's own URL. */
  authOrigin?: string;
}

/**
 * A git branch name as an environment name: lowercase, every run of other characters turned into one `-`,
 * trimmed of `-`, at most 63 characters (a DNS label, and the RUN_TIME_ENVIRONMENT rule of `shared/state.ts`).
 *
 * @example
 * environmentFromBranch('Feature/OKTA_hosts') // 'feature-okta-hosts'
 */
export function environmentFromBranch(branch: string): string {
  const name = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (!isEnvironmentName(name)) throw new ContextRefused(`git branch "${branch}" gives no usable environment name; pass -c env=<name>`);
  return name;
}

/** The current git branch, or undefined on a detached HEAD or outside a repository. */
export function currentGitBranch(cwd: string): string | undefined {
  try {
    const branch = execFileSync('git', ['branch', '--show-current'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return branch || undefined;
  } catch {
    return undefined;
  }
}

type ContextReader = (key: string) => unknown;

/**
 * Reads the deployment from the CDK context: `env` (default: the git branch, sanitised), `protected`
 * (`true` for any environment besides `prod`), `providersPath`, `authOrigin`. Malformed values fail the
 * synth: a typo must not deploy something else than what was asked for.
 */
export function deploymentFromContext(context: ContextReader, gitBranch: () => string | undefined): Deployment {
  const explicit = context('env');
  let environment: string;
  if (explicit !== undefined) {
    if (typeof explicit !== 'string' || !isEnvironmentName(explicit)) {
      throw new ContextRefused(`-c env=${String(explicit)} is not an environment name: lowercase a-z, 0-9 and '-', at most 63, not starting with '-'`);
    }
    environment = explicit;
  } else {
    const branch = gitBranch();
    if (!branch) throw new ContextRefused('not on a git branch (detached HEAD?): pass -c env=<name>');
    environment = environmentFromBranch(branch);
  }
  const isProtected = PROTECTED_ENVIRONMENTS.includes(environment) || booleanContext(context, 'protected');
  const providersPath = parameterPath(context('providersPath') ?? providersPathFor(environment));
  if (!isProtected) refuseProtectedSecrets(environment, providersPath);
  const origin = context('authOrigin');
  return { environment, isProtected, providersPath, ...(origin !== undefined ? { authOrigin: httpsOrigin(origin) } : {}) };
}

/**
 * A stack that is not protected may share a path with other branches, but its grant (GetParametersByPath on
 * the path, recursively) must not reach a protected environment's secrets: not its path, nor a parent of it.
 */
function refuseProtectedSecrets(environment: string, providersPath: string): void {
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);
  for (const guarded of PROTECTED_ENVIRONMENTS.map(providersPathFor)) {
    if (within(providersPath, guarded) || within(guarded, providersPath)) {
      throw new ContextRefused(
        `-c providersPath=${providersPath} would let "${environment}", which is not protected, read ${guarded} (a protected environment's provider secrets); ` +
          `use ${providersPathFor(environment)} or a path shared by branches only`,
      );
    }
  }
}

function booleanContext(context: ContextReader, key: string): boolean {
  const value = context(key);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ContextRefused(`-c ${key}= takes true or false, not ${String(value)}`);
}

/** An SSM hierarchy: `/a/b`, no trailing slash, outside the reserved `/aws` and `/ssm` trees. */
function parameterPath(value: unknown): string {
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9_.-]+)+$/.test(value) || /^\/(aws|ssm)(\/|$)/i.test(value)) {
    throw new ContextRefused(`-c providersPath=${String(value)} must be an SSM path like /handshake/branches/providers`);
  }
  return value;
}

/** The shared callback origin: an https URL (a path is allowed, for a proxy), without a trailing slash. */
function httpsOrigin(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ContextRefused(`-c authOrigin=${String(value)} must be an absolute https URL`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash) throw new ContextRefused(`-c authOrigin=${String(value)} must be an https URL without query or fragment`);
  return url.toString().replace(/\/+$/, '');
}
