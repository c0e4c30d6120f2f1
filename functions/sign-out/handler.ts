import { signOut } from '../../shared/handshake/sign-out';
import { bearerToken } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/**
 * DELETE /session (this session) and DELETE /sessions (all of the user's), Bearer session →
 * `{sessions, connections}`: what was ended and closed.
 */
export const handler = agentRoute('sign-out', async (rt, event) => {
  const scope = event.routeKey === 'DELETE /sessions' ? 'everywhere' : 'this';
  return jsonResponse(200, await signOut(rt, bearerToken(event), scope));
});
