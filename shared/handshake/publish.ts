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
  version: number,
): Promise<void> {
  if (!rt.meChannel) return;
  try {
    const report = await rt.meChannel.publish(userId, update, { version });
    rt.logger.info('me-channel published', { userId, ...context, ...report });
  } catch (err) {
    rt.logger.warn('me-channel publish failed', { userId, ...context, errorName: (err as Error).name });
  }
}
