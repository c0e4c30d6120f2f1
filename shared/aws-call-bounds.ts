import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

/**
 * Time bounds of every AWS SDK call the broker makes (DynamoDB; SSM for settings, secrets and the registry).
 * Without them a hung endpoint holds a call (and the function) until the Lambda timeout: 1 s to connect, 2 s
 * without an answer, 3 attempts with the SDK's jittered backoff, so one call gives up within ≈ 7 s, which
 * leaves the callback (29 s) room to record the failure. A module of its own, so that a function that reads
 * only SSM does not bundle the DynamoDB client.
 */
export const AWS_CALL_BOUNDS = { requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true }, maxAttempts: 3 } as const;

/** Powertools' SSM provider with these bounds (loaded on first use: only the functions that read SSM pay for it). */
export async function boundedSsmProvider(): Promise<SSMProvider> {
  const { SSMProvider } = await import('@aws-lambda-powertools/parameters/ssm');
  return new SSMProvider({ clientConfig: { ...AWS_CALL_BOUNDS } });
}
