import type { UserUpdate } from '../me-channel';
import type { Runtime } from '../runtime';

/**
 * Publishes a user update on the me-channel without ever failing the caller: the change is already stored
 * and the agent can read it another way, so a broken channel is logged (without the update) and ignored.
 */
export async function publishSafely(
  rt: Runtime,
  userId: string,
  update: UserUpdate,
  context: Record<string, unknown>,
  target: { version: number; connectionIds?: string[] },
): Promise<void> {
  const { version, connectionIds } = target;
  if (!rt.meChannel || connectionIds?.length === 0) return;
  try {
    const report = await rt.meChannel.publish(userId, update, { version, connectionIds });
    rt.logger.info('me-channel published', { userId, ...context, ...report });
  } catch (err) {
    rt.logger.warn('me-channel publish failed', { userId, ...context, errorName: (err as Error).name });
  }
}
