import { findProviderRow } from '../../shared/providers/catalog';
import { pathParam, queryParams } from '../../shared/http/request';
import { authCompletePage, errorPage } from '../../shared/http/pages';
import { htmlResponse } from '../../shared/http/responses';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * GET /web/auth-complete/{provider} and GET /web/error: the built-in pages. They need no runtime (no table,
 * no keys), so they render even when the rest of the environment is misconfigured.
 */
export const handler = async (event: APIGatewayProxyEventV2) => {
  if (event.rawPath.includes('/web/auth-complete/')) {
    const provider = pathParam(event, 'provider');
    return htmlResponse(200, authCompletePage(findProviderRow(provider)?.name ?? provider));
  }
  let query: Record<string, string>;
  try {
    query = queryParams(event);
  } catch {
    query = {};
  }
  return htmlResponse(200, errorPage(query.code, query.provider && (findProviderRow(query.provider)?.name ?? query.provider)));
};
