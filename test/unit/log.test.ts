import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../shared/log';
import { captureOutput } from '../support/world';

describe('the service logger', () => {
  it('redacts credential-named fields at any depth and keeps error codes', async () => {
    const { output } = await captureOutput(async () => {
      createLogger('test').info('oops', {
        errorCode: 'AUTH-1002',
        accessToken: 'gho_leak1',
        nested: { refresh_token: 'leak2', Authorization: 'Bearer leak3', cookie: 'hs_bind=leak4', headers: { 'set-cookie': 'leak5' } },
        code: 'leak6',
        state: 'env!leak7',
        clientSecret: 'leak8',
        signupToken: 'leak9',
        sessionToken: 'leak10',
        nonce: 'leak11',
        pkceVerifier: 'leak12',
      });
    });
    const line = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(line.errorCode).toBe('AUTH-1002');
    expect(line.accessToken).toBe(REDACTED);
    expect(line.nested.headers['set-cookie']).toBe(REDACTED);
    for (let i = 1; i <= 12; i++) expect(output).not.toContain(`leak${i}`);
  });
});
