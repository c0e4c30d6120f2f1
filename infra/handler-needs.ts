import type { TableAction } from './storage.js';

/** What a handler that builds the runtime (`shared/runtime.ts`) touches. */
export interface RuntimeNeeds {
  /** Item actions on the table: exactly the commands its code sends. */
  table: TableAction[];
  /** Reads provider client ids and secrets (PROVIDERS_PARAMETER_PATH). */
  providers?: boolean;
  /** Posts to me-channel connections (MECHANNEL_ENDPOINT). */
  publishes?: boolean;
  /** Closes me-channel connections (MECHANNEL_ENDPOINT). */
  closes?: boolean;
}

export interface HandlerNeeds {
  /** Absent: the handler needs no runtime at all (no table, no environment variables beyond `keys`). */
  runtime?: RuntimeNeeds;
  /** Reads the key ring: signs or verifies sessions, seals or opens tokens and results, signs page values. */
  keys?: boolean;
  /** Lambda timeout; behind the HTTP API at most 29 (its integration timeout is 30 s). */
  timeoutSeconds: number;
}

/**
 * Every handler folder the stack deploys, with the least it needs. A handler missing here fails the synth,
 * so a new route cannot ship without someone deciding what it may touch. Provider calls are bounded by
 * PROVIDER_HTTP_TIMEOUT_MS (10 s): the callback may make three (discovery, token, user info). A claim may wait up
 * to 5 s for a concurrent claim's commit. test/security/least-privilege.test.ts runs the flows and checks that
 * each handler uses all of this and nothing more.
 */
/** Checking a Bearer session: its record (GetItem), and its last use at most once an hour (UpdateItem). */
const SESSION_CHECK: TableAction[] = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];

export const HANDLER_NEEDS: Readonly<Record<string, HandlerNeeds>> = {
  // Start: checks the provider settings (no provider call) and writes the handshake record.
  // Connect starts with a Bearer session.
  'provider-auth-code': { runtime: { table: ['dynamodb:PutItem', ...SESSION_CHECK], providers: true }, keys: true, timeoutSeconds: 10 },
  // Visit and user code: conditional updates of the record (GetItem where a refusal comes without the item),
  // then discovery or OAuth 1.0a temporary credentials towards the provider.
  'provider-auth': { runtime: { table: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], providers: true }, keys: true, timeoutSeconds: 15 },
  // Callback: spends the visit and keeps the result on the record; writes nothing else (commit on claim).
  'provider-token': { runtime: { table: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], providers: true }, keys: true, timeoutSeconds: 29 },
  // Claim: the lease and the answer on the record, the commit (identity, the profile with the token, the new
  // session), and the publish (the user's connections, forgetting gone ones).
  'check-signup': {
    runtime: { table: ['dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], publishes: true },
    keys: true,
    timeoutSeconds: 15,
  },
  // Verifies the provider's signature with the signing secret in its settings; touches no item and no key.
  // The runtime still needs TABLE_NAME to start.
  'provider-action': { runtime: { table: [], providers: true }, timeoutSeconds: 10 },
  // Refresh: the stored token (the profile: get, conditional update), and on the me-channel the user's
  // connections (query, forget gone ones).
  'provider-refresh': {
    runtime: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem', ...SESSION_CHECK], providers: true, publishes: true },
    keys: true,
    timeoutSeconds: 29,
  },
  // Deauth: get the stored token to revoke it, remove it from the profile (an update); publish as above.
  'provider-deauth': {
    runtime: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', ...SESSION_CHECK], providers: true, publishes: true },
    keys: true,
    timeoutSeconds: 29,
  },
  // The provider list tells which providers are configured: settings only.
  providers: { runtime: { table: [], providers: true }, timeoutSeconds: 10 },
  // The session (checked again after the connection is recorded), then the two connection items.
  'ws-connect': { runtime: { table: ['dynamodb:PutItem', ...SESSION_CHECK] }, keys: true, timeoutSeconds: 10 },
  'ws-disconnect': { runtime: { table: ['dynamodb:DeleteItem'] }, timeoutSeconds: 10 },
  // Answers pong from its own code: no table, no key, nothing to grant.
  'ws-ping': { timeoutSeconds: 3 },
  // Sign-out: the session records (this one, or the user's partition for all), then closes their connections.
  'sign-out': { runtime: { table: ['dynamodb:DeleteItem', 'dynamodb:Query', ...SESSION_CHECK], closes: true }, keys: true, timeoutSeconds: 15 },
  // GET /me: the session, then the profile (version and tokens) in one consistent read.
  me: { runtime: { table: [...SESSION_CHECK] }, keys: true, timeoutSeconds: 10 },
  // The success page opens its sealed summary with the pages' key.
  'web-pages': { keys: true, timeoutSeconds: 5 },
};

export function needsOf(handler: string): HandlerNeeds {
  const needs = HANDLER_NEEDS[handler];
  if (!needs) throw new Error(`handler ${handler} is routed but infra/handler-needs.ts does not say what it may touch`);
  return needs;
}
