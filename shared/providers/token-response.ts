/** A provider's token as the broker keeps it (decrypted form). */
export interface ProviderToken {
  accessToken: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
  tokenType?: string;
  scope?: string;
  /** Non-secret facts kept beside the token and shown to the agent (provider user id, login, ...). */
  data: Record<string, unknown>;
}

/**
 * Turns an RFC 6749 §5.1 token response into a ProviderToken. Unknown fields are dropped: some providers
 * put secrets (id_token, signing keys) beside the access token that the agent does not need.
 */
export function parseTokenResponse(body: Record<string, unknown>, now: number): ProviderToken | undefined {
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || !accessToken) return undefined;
  const expiresIn = Number(body.expires_in);
  return {
    accessToken,
    ...(typeof body.refresh_token === 'string' && body.refresh_token ? { refreshToken: body.refresh_token } : {}),
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: now + expiresIn * 1000 } : {}),
    ...(typeof body.token_type === 'string' ? { tokenType: body.token_type } : {}),
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
    data: {},
  };
}
