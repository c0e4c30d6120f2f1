/** The IDE agent client: sign up, connect providers, listen on the me-channel, and sign out. */
export { HandshakeClient, type HandshakeClientOptions, type HandshakeOptions, type ProviderConnection, type SignOutOutcome, type SignupOutcome } from './handshake-client';
export { LoopbackListener, type LoopbackArrival } from './loopback-listener';
export { challengeOf, createVerifier } from './verifier';
export { HandshakeClientError } from './errors';
export { MeChannelListener, type MeChannelMessage } from './me-channel-listener';
export { LiveMe, applyUpdate, type LiveMeOptions, type LiveMeStats, type MeUser, type WebSocketConstructor, type WebSocketLike } from './live-me';
