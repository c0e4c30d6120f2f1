import { ERROR_CODES, isErrorCode, type ErrorCode } from '../errors';
import type { ConfirmationView } from '../handshake/visit';
import type { SuccessSummary } from '../handshake/success-summary';
import { findProviderRow } from '../providers/catalog';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * The pages print catalog display names and fixed texts only (SPEC, "Error codes"): a provider id that is not
 * in the catalog is "the provider", whatever the URL says. What the agent or the provider said (client name,
 * accounts) reaches a page only through a record or a sealed parameter, and is escaped like everything else.
 */
export const providerDisplayName = (providerId: string | undefined) => (providerId && findProviderRow(providerId)?.name) || 'the provider';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1rem;color:#1f2328;line-height:1.45}h1{font-size:1.4rem}code{background:#f0f1f3;padding:.1rem .3rem;border-radius:4px}
.warn{border-left:4px solid #bf8700;background:#fff8c5;padding:.5rem .8rem}.alert{border-left:4px solid #cf222e;background:#ffebe9;padding:.5rem .8rem}
label{display:block;margin:1rem 0 .3rem;font-weight:600}input[name=userCode]{font:1.4rem ui-monospace,monospace;letter-spacing:.15em;text-transform:uppercase;width:11ch;padding:.3rem .5rem}
button{margin-top:1rem;font-size:1rem;padding:.45rem 1rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff}</style>
</head><body>${body}</body></html>`;
}

/**
 * The success page (`/web/auth-complete/{provider}`), in the person's terms (SPEC, "Pages"): "Signed in to VS Code
 * with GitHub as @octocat", "Connected GitHub as @octocat to ada@example.com". Without a summary for this
 * provider it is neutral: it claims nothing.
 */
export function successPage(providerId: string, summary: SuccessSummary | undefined): string {
  if (!summary || summary.provider !== providerId) {
    return page('Return to your IDE', '<h1>Return to your IDE</h1><p>You can close this window.</p>');
  }
  const provider = providerDisplayName(summary.provider);
  const as = summary.providerAccount ? ` as ${summary.providerAccount}` : '';
  const ide = summary.client ?? 'your IDE';
  const headline =
    summary.flow === 'signup' ? `Signed in to ${ide} with ${provider}${as}` : `Connected ${provider}${as}${summary.account ? ` to ${summary.account}` : ''}`;
  const where = summary.flow === 'connect' && summary.client ? `<p>${escapeHtml(summary.client)} can now use it.</p>` : '';
  return page(headline, `<h1>${escapeHtml(headline)}</h1>${where}<p>You can close this window and return to ${escapeHtml(ide)}.</p>`);
}

/** What happened and what to do next, per code (SPEC, "Pages"); other codes get their message and "try again". */
const ERROR_TEXT: Partial<Record<ErrorCode, { what: string; next: string }>> = {
  'USRC-1022': { what: 'The provider did not complete the sign-in.', next: 'Return to your IDE and start again.' },
  'AUTH-1002': { what: 'This sign-in link is not valid.', next: 'Start again from your IDE.' },
  'AUTH-1005': { what: 'This sign-in link has expired.', next: 'Start again from your IDE.' },
  'AUTH-1007': { what: 'This sign-in was started in another browser.', next: 'Finish it in the browser your IDE opened, or start again from your IDE.' },
  'AUTH-1008': { what: 'This sign-in link was already used.', next: 'Start again from your IDE.' },
  'AUTH-1010': {
    what: 'Too many wrong codes were entered, so this sign-in was stopped.',
    next: 'If you started it, start again from your IDE. If you did not, someone may have sent you this link: close this page.',
  },
  'PRVD-1000': { what: 'This server does not know that provider.', next: 'Check the provider in your IDE.' },
  'PRVD-1003': { what: 'This server does not know that enterprise host.', next: 'Check the host in your IDE, or ask the administrator of this server.' },
  'PRVD-1009': { what: 'This provider is not set up on this server.', next: 'Ask the administrator of this server to configure it.' },
  'RAPI-1010': { what: 'The provider refused to complete the sign-in.', next: 'Start again from your IDE; if it keeps failing, ask the administrator of this server.' },
  'USRC-1023': { what: 'This provider can connect an account but cannot sign you up.', next: 'Sign up with another provider, then connect this one.' },
  'ENV-1001': { what: 'This sign-in was meant for an environment this server does not know.', next: 'Start again from your IDE.' },
  'SRV-1000': { what: 'Something went wrong on our side.', next: 'Try again in a moment.' },
};
const CANCELLED = { what: 'You cancelled at the provider, so nothing was connected.', next: 'Start again from your IDE if you change your mind.' };

/**
 * The error page (`/web/error?code=&provider=[&reason=cancelled]`). Every text comes from our own tables, keyed
 * by the code; an unknown code shows a generic message.
 */
export function errorPage(code: string | undefined, providerId: string | undefined, reason?: string, referenceId?: string): string {
  const known = isErrorCode(code) ? code : undefined;
  const text = (known === 'USRC-1022' && reason === 'cancelled' ? CANCELLED : known && ERROR_TEXT[known]) || {
    what: `${known ? ERROR_CODES[known].message : 'Something went wrong'}.`,
    next: 'Return to your IDE and try again.',
  };
  const provider = providerId && findProviderRow(providerId) ? ` with ${providerDisplayName(providerId)}` : '';
  const codeLine = known ? `<p>Error code: <code>${escapeHtml(known)}</code></p>` : '';
  const reference = referenceId && /^[A-Za-z0-9=_-]{1,64}$/.test(referenceId) ? `<p>Reference: <code>${escapeHtml(referenceId)}</code> (quote it if you ask for help)</p>` : '';
  return page('Sign-in failed', `<h1>Sign-in${escapeHtml(provider)} failed</h1><p>${escapeHtml(text.what)}</p><p>${escapeHtml(text.next)}</p>${codeLine}${reference}`);
}

/**
 * Poll mode's confirmation page (SPEC, "The binding rule" 3): which app, which provider, which flow and, for a
 * connect, which account; the person types the user code their IDE shows before going on to the provider.
 */
export function confirmationPage(view: ConfirmationView, form: { action: string; csrf: string }): string {
  const provider = providerDisplayName(view.provider);
  const ide = view.client?.name;
  const asker = `${ide ?? 'An IDE'}${view.client?.device ? ` on ${view.client.device}` : ''}`;
  const headline = view.flow === 'signup' ? `Sign in to ${ide ?? 'an IDE'} with ${provider}?` : `Connect ${provider} to ${view.account}${ide ? ` in ${ide}` : ''}?`;
  const asked =
    view.flow === 'signup' ? `${asker} asked to sign you in with your ${provider} account.` : `${asker} asked to connect your ${provider} account to ${view.account}.`;
  const wrong = view.wrongCode
    ? `<p class="alert" role="alert">That code does not match the one shown in your IDE. ${view.wrongCode.attemptsLeft} ${view.wrongCode.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.</p>`
    : '';
  return page(
    headline,
    `<h1>${escapeHtml(headline)}</h1><p>${escapeHtml(asked)} To continue, type the code it shows you.</p>
<p class="warn">If you did not start this in your own IDE just now, close this page: someone may have sent you this link to get into your account.</p>${wrong}
<form method="post" action="${escapeHtml(form.action)}">
<input type="hidden" name="code" value="${escapeHtml(view.code)}"><input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">
<label for="userCode">Code shown in your IDE</label>
<input id="userCode" name="userCode" required autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" placeholder="XXXX-XXXX" autofocus>
<div><button type="submit">Continue to ${escapeHtml(provider)}</button></div>
</form>`,
  );
}
