import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, redactString } from '../../shared/log';
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

  it('redacts credentials by their shape inside strings, so a whole API Gateway event can be logged', async () => {
    const jwe = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..hs-leak-iv.hs-leak-ciphertext.hs-leak-tag';
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJoc2xlYWsifQ.hs-leak-signature';
    const callback = {
      version: '2.0',
      routeKey: 'GET /no-auth/provider-token/{provider}',
      rawPath: '/no-auth/provider-token/github',
      rawQueryString: 'code=hs-leak-provider-code&state=local!hs-leak-state&scope=repo',
      cookies: ['hs_bind_3f2a=hs-leak-binding', 'hs_csrf=hs-leak-csrf', 'theme=dark'],
      headers: { 'x-forwarded-for': '203.0.113.9', referer: `http://127.0.0.1:53682/cb?result=${jwe}&complete=https%3A%2F%2Fapi.example%2Fweb%2Fauth-complete%2Fgithub` },
      queryStringParameters: { code: 'hs-leak-provider-code', state: 'local!hs-leak-state', scope: 'repo' },
      pathParameters: { provider: 'github' },
      requestContext: { http: { method: 'GET', path: '/no-auth/provider-token/github', sourceIp: '203.0.113.9' } },
      isBase64Encoded: false,
    };
    const claimEvent = {
      routeKey: 'PUT /no-auth/check-signup',
      headers: { 'content-type': 'application/json', 'x-debug': `Bearer ${jwt}` },
      body: JSON.stringify({ code: 'hs-leak-handshake-code', verifier: 'hs-leak-verifier', result: jwe, provider: 'github' }),
      isBase64Encoded: false,
    };
    const formPost = {
      routeKey: 'POST /web/provider-auth/{provider}',
      body: Buffer.from('userCode=BCDF-LEAK&csrf=hs-leak-form-csrf&code=hs-leak-form-code').toString('base64'),
      isBase64Encoded: true,
    };
    const { output } = await captureOutput(async () => {
      const logger = createLogger('test');
      for (const event of [callback, claimEvent, formPost]) logger.logEventIfEnabled(event, true);
      logger.warn(`provider said: access_token=hs-leak-in-message&token_type=bearer; ${jwt}`);
    });
    expect(output).not.toMatch(/hs-?leak|-LEAK|eyJ/i);
    const [first, second, third, fourth] = output.trim().split('\n').slice(-4).map((line) => JSON.parse(line));
    // What an operator needs to follow a request stays readable.
    expect(first.event).toMatchObject({ routeKey: callback.routeKey, rawPath: callback.rawPath, pathParameters: { provider: 'github' } });
    expect(first.event.rawQueryString).toBe(`code=${REDACTED}&state=${REDACTED}&scope=repo`);
    expect(first.event.cookies).toBe(REDACTED);
    expect(first.event.headers.referer).toContain('complete=https%3A%2F%2Fapi.example%2Fweb%2Fauth-complete%2Fgithub');
    expect(JSON.parse(second.event.body)).toEqual({ code: REDACTED, verifier: REDACTED, result: REDACTED, provider: 'github' });
    expect(second.event.headers['x-debug']).toBe(`Bearer ${REDACTED}`);
    expect(third.event).toEqual({ routeKey: formPost.routeKey, body: REDACTED, isBase64Encoded: true });
    expect(fourth.message).toBe(`provider said: access_token=${REDACTED}&token_type=${REDACTED}; ${REDACTED}`);
    // Our cookies are credentials by name wherever a cookie string turns up, not only under `cookies`.
    expect(redactString('hs_bind_3f2a=hs-leak-binding; theme=dark')).toBe(`hs_bind_3f2a=${REDACTED}; theme=dark`);
  });
});
