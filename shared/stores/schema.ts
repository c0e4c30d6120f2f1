/**
 * One table holds everything (single-table design). Every item has a string partition key `pk` and sort
 * key `sk`; short-lived items carry `ttl` (epoch seconds), which DynamoDB TTL deletes, late. Reads treat
 * an item past its `ttl` as absent, so correctness never depends on when the deletion happens.
 */
export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

export const keys = {
  // Also holds the user's provider tokens (`profile-tokens.ts`): a token and its change number are one write.
  userProfile: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  identity: (provider: string, host: string | undefined, subject: string) => ({ pk: `IDENTITY#${provider}#${host ?? '-'}#${subject}`, sk: 'IDENTITY' }),
  // OpenID Connect: the issuer and subject name the person, whichever row (oidc, demo, ...) reached them.
  issuerIdentity: (issuer: string, subject: string) => ({ pk: `IDENTITY#iss#${issuer}#${subject}`, sk: 'IDENTITY' }),
  handshake: (codeHash: string) => ({ pk: `HANDSHAKE#${codeHash}`, sk: 'HANDSHAKE' }),
  userConnection: (userId: string, connectionId: string) => ({ pk: `USER#${userId}`, sk: `CONN#${connectionId}` }),
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  // In the user's partition: verifying is one GetItem, and "sign out everywhere" one Query.
  session: (userId: string, sid: string) => ({ pk: `USER#${userId}`, sk: `SESSION#${sid}` }),
};
