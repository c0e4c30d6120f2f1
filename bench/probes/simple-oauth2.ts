/** Cold-init probe: simple-oauth2 (with joi and @hapi/wreck), the code-exchange library. */
export { AuthorizationCode } from 'simple-oauth2';
