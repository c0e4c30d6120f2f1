import { ERROR_CODES, isErrorCode } from '../errors';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}code{background:#f0f1f3;padding:.1rem .3rem;border-radius:4px}</style>
</head><body>${body}</body></html>`;
}

/** The built-in success page (`/web/auth-complete/{provider}`). */
export function authCompletePage(providerName: string): string {
  const name = escapeHtml(providerName);
  return page(`Connected to ${providerName}`, `<h1>You are connected to ${name}</h1><p>You can close this window and return to your IDE.</p>`);
}

/**
 * The built-in error page (`/web/error?code=&provider=`). The message comes from our own table, keyed by the
 * code; nothing from the URL is shown unescaped, and an unknown code shows a generic message.
 */
export function errorPage(code: string | undefined, provider: string | undefined): string {
  const known = isErrorCode(code) ? code : undefined;
  const message = known ? ERROR_CODES[known].message : 'Something went wrong';
  const where = provider ? ` with ${escapeHtml(provider.slice(0, 64))}` : '';
  const codeLine = known ? `<p>Error code: <code>${escapeHtml(known)}</code></p>` : '';
  return page('Sign-in failed', `<h1>Sign-in${where} failed</h1><p>${escapeHtml(message)}.</p>${codeLine}<p>Return to your IDE and try again.</p>`);
}
