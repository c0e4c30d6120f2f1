/**
 * `@handshake/cdk`: the handshake broker as CDK constructs, with its handlers prebuilt inside the package.
 *
 * @example
 * import { HandshakeBroker } from '@handshake/cdk';
 * new HandshakeBroker(stack, 'Handshake', { environmentName: 'prod', alarmTopic });
 */
export { HandshakeBroker, type HandshakeBrokerProps, type BrokerDomain } from './handshake-broker.js';
export { HandshakeAuthOrigin, type HandshakeAuthOriginProps } from './handshake-auth-origin.js';
export { BrokerMonitoring, HANDSHAKE_METRICS, HANDSHAKE_FAILURE_PERCENT, API_5XX_PERCENT } from './monitoring.js';
export type { LogLevelName } from './handlers.js';
export { METRICS_NAMESPACE } from '../shared/metric-names.js';
export type { HandlerCode } from './handler-code.js';
export { providersPathFor } from './deployment.js';
