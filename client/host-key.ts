/**
 * The key under which a host's token appears in the me-object (SPEC: `providerInfo.<p>.hosts.<key>`): the
 * host (and port) of its origin, with dots as `*` so that they do not split a `$set` path, as CodeStream's
 * clients expect. A bare host (`gitlab.acme.com`) is taken as https. The broker uses this same function.
 *
 * @example
 * hostKey('https://gitlab.acme.com'); // 'gitlab*acme*com'
 */
export function hostKey(host: string): string {
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`).host.replaceAll('.', '*');
}
