/**
 * The broker's code that the in-process measurements call, bundled by `bench/bundles.ts` with the handlers'
 * esbuild options (`lib` bundle): the real handlers and the library parts the bench drives them with. Calling
 * the bundle, not the TypeScript sources through tsx, measures the code as Lambda runs it (a dynamic
 * `import()` inside a bundle is a function call, through tsx's loader it is a round trip to another thread).
 */
import { handler as checkSignup } from '../functions/check-signup/handler';
import { handler as providerAuth } from '../functions/provider-auth/handler';
import { handler as providerAuthCode } from '../functions/provider-auth-code/handler';
import { handler as providerToken } from '../functions/provider-token/handler';

export const handlers = {
  'provider-auth-code': providerAuthCode,
  'provider-auth': providerAuth,
  'provider-token': providerToken,
  'check-signup': checkSignup,
};

export { GetCommand } from '@aws-sdk/lib-dynamodb';
export { createPkceVerifier, pkceChallenge } from '../shared/crypto/pkce';
export { randomToken } from '../shared/crypto/random';
export { sealJson } from '../shared/crypto/sealed-json';
export { meChannelMessage } from '../shared/me-channel';
export { exchangeCode } from '../shared/providers/exchange';
export { fetchIdentity } from '../shared/providers/identity';
export { StaticSettings } from '../shared/providers/settings';
export { createRuntime, setRuntime } from '../shared/runtime';
export { verifySessionToken } from '../shared/session-token';
export { openState, sealState } from '../shared/state';
export { createDocumentClient } from '../shared/stores/table';
