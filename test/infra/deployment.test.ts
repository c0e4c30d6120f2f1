import { describe, expect, it } from 'vitest';
import { deploymentFromContext, providersPathFor, environmentFromBranch } from '../../infra/deployment';
import { isEnvironmentName } from '../../shared/state';

const context = (values: Record<string, unknown>) => (key: string) => values[key];
const onBranch = (branch: string | undefined) => () => branch;

describe('environment names from git branches', () => {
  it.each([
    ['main', 'main'],
    ['feature-x', 'feature-x'],
    ['Feature/OKTA_hosts', 'feature-okta-hosts'],
    ['dependabot/npm_and_yarn/jose-6.2.18', 'dependabot-npm-and-yarn-jose-6-2-18'],
    ['--fix--', 'fix'],
    ['ü-umlaut', 'umlaut'],
  ])('turns %s into %s', (branch, environment) => {
    expect(environmentFromBranch(branch)).toBe(environment);
    expect(isEnvironmentName(environment)).toBe(true);
  });

  it('cuts long names to 63 characters without leaving a trailing dash', () => {
    const name = environmentFromBranch(`${'a'.repeat(62)}/b-c`);
    expect(name).toBe('a'.repeat(62));
    expect(environmentFromBranch('x'.repeat(100))).toHaveLength(63);
    expect(isEnvironmentName(environmentFromBranch(`${'a'.repeat(62)}-${'b'.repeat(10)}`))).toBe(true);
  });

  it('refuses a branch that leaves nothing usable', () => {
    expect(() => environmentFromBranch('___')).toThrow(/-c env=/);
  });
});

describe('the deployment read from the CDK context', () => {
  it('takes the environment from the branch when -c env is absent', () => {
    expect(deploymentFromContext(context({}), onBranch('Feature/X'))).toEqual({
      environment: 'feature-x',
      isProtected: false,
      providersPath: '/handshake/feature-x/providers',
    });
  });

  it('reads provider secrets per environment by default; branches may share a path, never one that reaches a protected environment', () => {
    expect(deploymentFromContext(context({ env: 'prod' }), onBranch(undefined)).providersPath).toBe('/handshake/prod/providers');
    expect(deploymentFromContext(context({ providersPath: '/handshake/branches/providers' }), onBranch('a')).providersPath).toBe('/handshake/branches/providers');
    expect(deploymentFromContext(context({ providersPath: '/handshake/branches/providers' }), onBranch('b')).providersPath).toBe('/handshake/branches/providers');
    for (const providersPath of [providersPathFor('prod'), '/handshake/prod/providers/github', '/handshake/prod', '/handshake']) {
      expect(() => deploymentFromContext(context({ providersPath }), onBranch('feature-x')), providersPath).toThrow(
        /would let "feature-x", which is not protected, read \/handshake\/prod\/providers/,
      );
    }
    // Protected stacks may point anywhere (prod at its own path, a protected staging at prod's if they so decide).
    expect(deploymentFromContext(context({ env: 'staging', protected: 'true', providersPath: '/handshake/prod/providers' }), onBranch(undefined)).providersPath).toBe(
      '/handshake/prod/providers',
    );
  });

  it('prefers -c env over the branch, and refuses to guess on a detached HEAD', () => {
    expect(deploymentFromContext(context({ env: 'qa-1' }), onBranch('main')).environment).toBe('qa-1');
    expect(() => deploymentFromContext(context({}), onBranch(undefined))).toThrow(/-c env=/);
  });

  it('refuses an -c env that is not already a valid name instead of rewriting it', () => {
    for (const env of ['Feature-X', 'feature/x', '-x', 'x'.repeat(64), '', 42]) {
      expect(() => deploymentFromContext(context({ env }), onBranch('main'))).toThrow(/not an environment name/);
    }
  });

  it('protects prod and any environment deployed with -c protected=true, never a branch by default', () => {
    expect(deploymentFromContext(context({ env: 'prod' }), onBranch(undefined)).isProtected).toBe(true);
    expect(deploymentFromContext(context({ env: 'staging', protected: 'true' }), onBranch(undefined)).isProtected).toBe(true);
    expect(deploymentFromContext(context({ env: 'staging', protected: true }), onBranch(undefined)).isProtected).toBe(true);
    expect(deploymentFromContext(context({ env: 'staging', protected: 'false' }), onBranch(undefined)).isProtected).toBe(false);
    expect(deploymentFromContext(context({}), onBranch('prod-like-feature')).isProtected).toBe(false);
    expect(() => deploymentFromContext(context({ env: 'staging', protected: 'yes' }), onBranch(undefined))).toThrow(/true or false/);
  });

  it('takes -c providersPath as an SSM path, outside the reserved trees', () => {
    expect(deploymentFromContext(context({ env: 'x', providersPath: '/acme/oauth' }), onBranch(undefined)).providersPath).toBe('/acme/oauth');
    for (const providersPath of ['acme/oauth', '/acme/oauth/', '/aws/reference', '/ssm/x', '/a b', '/']) {
      expect(() => deploymentFromContext(context({ env: 'x', providersPath }), onBranch(undefined))).toThrow(/providersPath/);
    }
  });

  it('takes -c authOrigin as an https URL without a trailing slash', () => {
    const origin = (authOrigin: unknown) => deploymentFromContext(context({ env: 'x', authOrigin }), onBranch(undefined)).authOrigin;
    expect(origin('https://auth.example.com/')).toBe('https://auth.example.com');
    expect(origin('https://proxy.example.com/handshake/')).toBe('https://proxy.example.com/handshake');
    for (const bad of ['http://auth.example.com', 'auth.example.com', 'https://auth.example.com/?x=1', 'javascript:alert(1)']) {
      expect(() => origin(bad)).toThrow(/authOrigin/);
    }
  });
});
