/** The IDE agent client: sign up, connect providers, and listen on the me-channel. */
export { HandshakeClient, type HandshakeClientOptions, type HandshakeOptions, type ProviderConnection, type SignupOutcome } from './handshake-client';
export { LoopbackListener, type LoopbackArrival } from './loopback-listener';
export { challengeOf, createVerifier } from './verifier';
export { HandshakeClientError } from './errors';
export { MeChannelListener, type MeChannelMessage } from './me-channel-listener';
