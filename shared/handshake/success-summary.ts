import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Flow } from '../state';

/** A success page link is good for as long as the handshake could have lasted. */
const SUMMARY_LIFETIME_SECONDS = 600;

/**
 * What the success page says happened (SPEC, "Pages"), in the person's terms. It travels to the page sealed
 * in the `s` parameter, so the page prints nothing anyone can put in a URL.
 */
export interface SuccessSummary {
  flow: Flow;
  provider: string;
  /** The agent's `client.name` ("VS Code"). */
  client?: string;
  /** The provider account that signed in: `@login` or an e-mail address. */
  providerAccount?: string;
  /** Connect: the account it was connected to. */
  account?: string;
}

/** How a provider account is named to a person: `@login` where the provider has logins, else the address. */
export function accountLabel(identity: { username?: string; email?: string }): string | undefined {
  return identity.username ? `@${identity.username}` : identity.email;
}

export async function sealSuccessSummary(summary: SuccessSummary, key: Uint8Array, environment: string, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new EncryptJWT({ ...summary })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'handshake-success' })
    .setAudience(environment)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SUMMARY_LIFETIME_SECONDS)
    .encrypt(key);
}

/** The summary, or undefined when the parameter is missing, tampered with, expired or not ours: the page is then neutral. */
export async function openSuccessSummary(sealed: string | undefined, key: Uint8Array, environment: string, now: number): Promise<SuccessSummary | undefined> {
  if (!sealed || sealed.length > 4096) return undefined;
  try {
    const { payload, protectedHeader } = await jwtDecrypt(sealed, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      audience: environment,
      currentDate: new Date(now),
      requiredClaims: ['exp'],
    });
    if (protectedHeader.cty !== 'handshake-success') return undefined;
    const text = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
    const flow = text('flow');
    const provider = text('provider');
    if ((flow !== 'connect' && flow !== 'signup') || !provider) return undefined;
    return {
      flow,
      provider,
      ...(text('client') ? { client: text('client') } : {}),
      ...(text('providerAccount') ? { providerAccount: text('providerAccount') } : {}),
      ...(text('account') ? { account: text('account') } : {}),
    };
  } catch {
    return undefined;
  }
}
