import { readMe } from '../../shared/handshake/me';
import { bearerToken } from '../../shared/http/request';
import { jsonResponse } from '../../shared/http/responses';
import { agentRoute } from '../../shared/http/routes';

/** GET /me (Bearer session) → `{user: <me-object>, version}`. */
export const handler = agentRoute('me', async (rt, event) => jsonResponse(200, await readMe(rt, bearerToken(event))));
