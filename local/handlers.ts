import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { LambdaTime } from '../shared/request-context';
import { handler as checkSignup } from '../functions/check-signup/handler';
import { handler as providerAuth } from '../functions/provider-auth/handler';
import { handler as providerAuthCode } from '../functions/provider-auth-code/handler';
import { handler as providerToken } from '../functions/provider-token/handler';
import { handler as webPages } from '../functions/web-pages/handler';
import { handler as providerAction } from '../functions/provider-action/handler';
import { handler as authOriginCallback } from '../functions/auth-origin-callback/handler';
import { handler as providerActionProxy } from '../functions/provider-action-proxy/handler';
import { handler as wsConnect } from '../functions/ws-connect/handler';
import { handler as wsDisconnect } from '../functions/ws-disconnect/handler';
import { handler as wsPing } from '../functions/ws-ping/handler';
import { handler as providerRefresh } from '../functions/provider-refresh/handler';
import { handler as providerDeauth } from '../functions/provider-deauth/handler';
import { handler as providers } from '../functions/providers/handler';
import { handler as signOut } from '../functions/sign-out/handler';
import { handler as me } from '../functions/me/handler';

/** A handler as the local gateways call it: the event, and the part of Lambda's context the wrappers read. */
export type HttpHandler = (event: APIGatewayProxyEventV2, context?: LambdaTime) => Promise<APIGatewayProxyStructuredResultV2>;

/** The real Lambda handlers, by their folder name under `functions/` (as `API_ROUTES` names them). */
export const HTTP_HANDLERS: Record<string, HttpHandler> = {
  'provider-auth-code': providerAuthCode,
  'provider-auth': providerAuth,
  'provider-token': providerToken,
  'check-signup': checkSignup,
  'web-pages': webPages,
  'provider-action': providerAction,
  'provider-refresh': providerRefresh,
  'provider-deauth': providerDeauth,
  providers,
  'sign-out': signOut,
  me,
};

/** The auth origin's handlers (`AUTH_ORIGIN_ROUTES`). */
export const AUTH_ORIGIN_HANDLERS: Record<string, HttpHandler> = {
  'auth-origin-callback': authOriginCallback,
  'provider-action-proxy': providerActionProxy,
  'web-pages': webPages,
};

/** The WebSocket API's route handlers. */
export const WEBSOCKET_HANDLERS = {
  connect: wsConnect,
  disconnect: wsDisconnect,
  /** Message routes by `action` (infra/me-channel.ts, WEBSOCKET_ROUTES). */
  messages: { ping: wsPing } as Record<string, WebSocketMessageHandler>,
};

/** A message route's handler: its returned `body` goes back on the connection (a two-way route). */
export type WebSocketMessageHandler = (event: never, context?: LambdaTime) => Promise<{ statusCode?: number; body?: string }>;
