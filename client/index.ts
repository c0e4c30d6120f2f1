/** The IDE agent client (`@handshake/client`): sign up, connect providers, a live copy of the user, and sign out. */
export { HandshakeClient, type HandshakeClientOptions, type HandshakeOptions, type ProviderConnection, type SignOutOutcome, type SignupOutcome } from './handshake-client.js';
export { LoopbackListener, type LoopbackArrival } from './loopback-listener.js';
export { challengeOf, createVerifier } from './verifier.js';
export { HandshakeClientError } from './errors.js';
export { LiveMe, applyUpdate, type LiveMeOptions, type LiveMeStats, type MeUser, type WebSocketConstructor, type WebSocketLike } from './live-me.js';
export { hostKey } from './host-key.js';
