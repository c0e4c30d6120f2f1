/**
 * The names of the service's metrics: what shared/metrics.ts emits and what the CDK alarms and dashboard
 * (infra/monitoring.ts) read. A leaf module, so the CDK package imports it without Powertools.
 */
export const METRICS_NAMESPACE = 'Handshake';
export const METRICS_SERVICE = 'handshake';

export const METRIC_NAMES = {
  started: 'HandshakeStarted',
  completed: 'HandshakeCompleted',
  failed: 'HandshakeFailed',
  claimLatency: 'ClaimLatency',
  delivered: 'MeChannelDelivered',
  gone: 'MeChannelGone',
  deliveryFailed: 'MeChannelFailed',
  refreshed: 'TokenRefreshed',
  refreshFailed: 'TokenRefreshFailed',
} as const;
