/** The IDE agent client: sign up, connect providers, and listen on the me-channel. */
export { HandshakeClient, type HandshakeClientOptions, type ProviderConnection, type SignupOutcome } from './handshake-client';
export { HandshakeClientError } from './errors';
export { MeChannelListener, type MeChannelMessage } from './me-channel-listener';
