import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../shared/log';
import { captureOutput } from '../support/world';

describe('the service logger', () => {
  it('redacts credential-named fields at any depth and keeps error codes', async () => {
    const { output } = await captureOutput(async () => {
      // WARN: written whatever POWERTOOLS_LOG_LEVEL the run quiets the INFO lines with.
      createLogger('test').warn('oops', {
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

  it('redacts the handshake’s own secrets under the names the protocol gives them: verifier, code, result, userCode, csrf', async () => {
    const { output } = await captureOutput(async () => {
      createLogger('test').warn('claim refused', {
        errorCode: 'AUTH-1002',
        provider: 'github',
        verifier: 'hs-leak-verifier',
        code: 'hs-leak-handshake-code',
        result: 'hs-leak-result',
        userCode: 'BCDF-LEAK',
        csrf: 'hs-leak-csrf',
        // As a request body or a loopback query would put them.
        body: { code: 'hs-leak-nested-code', verifier: 'hs-leak-nested-verifier', result: 'hs-leak-nested-result' },
        query: { userCode: 'GHJK-LEAK', complete: 'https://api.example/web/auth-complete/github' },
      });
    });
    const line = JSON.parse(output.trim().split('\n').at(-1)!);
    for (const name of ['verifier', 'code', 'result', 'userCode', 'csrf']) expect(line[name], name).toBe(REDACTED);
    expect(line.body).toEqual({ code: REDACTED, verifier: REDACTED, result: REDACTED });
    expect(line.query.userCode).toBe(REDACTED);
    expect(output).not.toMatch(/hs-leak|-LEAK/);
    // What is not a secret stays readable.
    expect(line).toMatchObject({ errorCode: 'AUTH-1002', provider: 'github', query: { complete: 'https://api.example/web/auth-complete/github' } });
  });
});
