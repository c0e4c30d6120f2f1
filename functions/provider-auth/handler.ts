import { sha256 } from '../../shared/crypto/random';
import { confirmUserCode, visitHandshake, type VisitOutcome } from '../../shared/handshake/visit';
import { bindingCookie } from '../../shared/http/binding-cookie';
import { checkConfirmationPost, confirmationResponse } from '../../shared/http/confirmation-form';
import { formParams, pathParam, queryParams, requestCookies, requestHeaders } from '../../shared/http/request';
import { redirectResponse } from '../../shared/http/responses';
import { browserRoute } from '../../shared/http/routes';
import type { Runtime } from '../../shared/runtime';

/**
 * GET /web/provider-auth/{provider}?code= (and its /no-auth alias): loopback → binding cookie + 302 to the
 * provider; poll → the confirmation page. POST (poll): the typed user code, then as loopback's GET.
 */
export const handler = browserRoute('provider-auth', async (rt, event) => {
  const provider = pathParam(event, 'provider');
  const cookies = requestCookies(event);
  if (event.requestContext.http.method === 'POST') {
    const form = formParams(event);
    checkConfirmationPost(rt.config, rt.keys.pages, { codeHash: sha256(form.code ?? ''), csrf: form.csrf, cookies, headers: requestHeaders(event) });
    return respond(rt, await confirmUserCode(rt, { provider, code: form.code, userCode: form.userCode }), cookies);
  }
  return respond(rt, await visitHandshake(rt, { provider, code: queryParams(event).code }), cookies);
});

function respond(rt: Runtime, outcome: VisitOutcome, cookies: Record<string, string>) {
  if (outcome.kind === 'confirm') return confirmationResponse(rt.config, rt.keys.pages, outcome.view, cookies);
  return redirectResponse(outcome.location, [bindingCookie(rt.config, outcome.provider, outcome.nonce)]);
}
