import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The service logger. Log lines carry codes, provider names and request ids; never tokens, codes, state,
 * cookies or Authorization headers. Callers log only fields they chose, never whole events or responses.
 */
export function createLogger(serviceName = 'handshake'): Logger {
  return new Logger({ serviceName });
}

export type { Logger };
