import { isEnvironmentName } from './state';
import { requestContext } from './request-context';

/** What one deployed environment needs to know about itself. */
export interface HandshakeConfig {
  /** `runTimeEnvironment`: the branch name (`feature-x`) or `prod`. */
  environment: string;
  /** Public base URL of this environment's HTTP API, without a trailing slash. */
  publicApiUrl: string;
  /** Base of the redirect_uri registered with providers: this environment, or the shared auth origin. */
  callbackBaseUrl: string;
  /** Where browsers go after success / failure; default: the built-in pages. */
  successUrl?: string;
  errorUrl?: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function absoluteUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${name} must be http(s)`);
  return trimSlash(url.toString());
}

/** Reads the configuration from environment variables; a missing or malformed one fails loudly at start. */
export function configFromEnv(env: NodeJS.ProcessEnv): HandshakeConfig {
  const environment = env.RUN_TIME_ENVIRONMENT ?? '';
  if (!isEnvironmentName(environment)) throw new Error('RUN_TIME_ENVIRONMENT must be a lowercase DNS label (a-z, 0-9, -)');
  if (!env.PUBLIC_API_URL) throw new Error('PUBLIC_API_URL is required');
  const publicApiUrl = absoluteUrl('PUBLIC_API_URL', env.PUBLIC_API_URL);
  return {
    environment,
    publicApiUrl,
    callbackBaseUrl: env.CALLBACK_BASE_URL ? absoluteUrl('CALLBACK_BASE_URL', env.CALLBACK_BASE_URL) : publicApiUrl,
    ...(env.SUCCESS_URL ? { successUrl: absoluteUrl('SUCCESS_URL', env.SUCCESS_URL) } : {}),
    ...(env.ERROR_URL ? { errorUrl: absoluteUrl('ERROR_URL', env.ERROR_URL) } : {}),
  };
}

/** The redirect_uri for a provider: the same string at authorize time and at the code exchange. */
export const redirectUriFor = (config: HandshakeConfig, provider: string) =>
  `${config.callbackBaseUrl}/no-auth/provider-token/${encodeURIComponent(provider)}`;

/** The path of one of this environment's routes, as cookies scope it (the API's own path prefix included). */
const apiPath = (config: HandshakeConfig, route: string) => `${new URL(config.publicApiUrl).pathname.replace(/\/+$/, '')}${route}`;

export const callbackPathFor = (config: HandshakeConfig, provider: string) => apiPath(config, `/no-auth/provider-token/${encodeURIComponent(provider)}`);

/** Where the browser starts a handshake (the start's `url`, without `?code=`), and where poll mode's form posts. */
export const visitUrlFor = (config: HandshakeConfig, provider: string) => `${config.publicApiUrl}/web/provider-auth/${encodeURIComponent(provider)}`;

export const visitPathFor = (config: HandshakeConfig, provider: string) => apiPath(config, `/web/provider-auth/${encodeURIComponent(provider)}`);

/**
 * The success page, with the sealed summary of what happened (`s`): the built-in page opens it; an external
 * SUCCESS_URL gets the provider only, since it cannot.
 */
export function successPageFor(config: HandshakeConfig, provider: string, summary?: string): string {
  if (config.successUrl) {
    const url = new URL(config.successUrl);
    url.searchParams.set('provider', provider);
    return url.toString();
  }
  const url = new URL(`${config.publicApiUrl}/web/auth-complete/${encodeURIComponent(provider)}`);
  if (summary) url.searchParams.set('s', summary);
  return url.toString();
}

/** The error page for a SPEC code; `reason` picks a fixed explanation (`cancelled`: the person said no at the provider). */
export function errorPageFor(config: HandshakeConfig, code: string, provider?: string, reason?: 'cancelled'): string {
  const url = new URL(config.errorUrl ?? `${config.publicApiUrl}/web/error`);
  url.searchParams.set('code', code);
  if (provider) url.searchParams.set('provider', provider.slice(0, 64));
  if (reason) url.searchParams.set('reason', reason);
  // Our own failure: the reference id joins what the person quotes to the logged failure.
  const referenceId = requestContext()?.referenceId;
  if (code === 'SRV-1000' && referenceId) url.searchParams.set('ref', referenceId);
  return url.toString();
}

/** Cookies may drop `Secure` only where browsers allow it anyway: a plain-http loopback dev stack. */
export function cookiesNeedSecure(config: HandshakeConfig): boolean {
  const url = new URL(config.publicApiUrl);
  return !(url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}
