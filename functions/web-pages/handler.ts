import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { openSuccessSummary } from '../../shared/handshake/success-summary';
import { pageKeys } from '../../shared/http/page-keys';
import { errorPage, successPage } from '../../shared/http/pages';
import { pathParam, queryParams } from '../../shared/http/request';
import { htmlResponse } from '../../shared/http/responses';
import { inInvocation, type LambdaTime } from '../../shared/request-context';

/**
 * GET /web/auth-complete/{provider}[?s=] and GET /web/error: the built-in pages. They need no table and no
 * provider settings, only the pages' key to open the success summary, so they render even when the rest of
 * the environment is misconfigured (then the success page is neutral).
 */
export const handler = (event: APIGatewayProxyEventV2, context?: LambdaTime) => inInvocation(event, context, () => page(event));

async function page(event: APIGatewayProxyEventV2) {
  let query: Record<string, string>;
  try {
    query = queryParams(event);
  } catch {
    query = {};
  }
  if (event.rawPath.includes('/web/auth-complete/')) {
    const keys = query.s ? await pageKeys() : undefined;
    const summary = keys ? await openSuccessSummary(query.s, keys.key, keys.environment, Date.now()) : undefined;
    return htmlResponse(200, successPage(pathParam(event, 'provider'), summary));
  }
  return htmlResponse(200, errorPage(query.code, query.provider, query.reason, query.ref));
}
