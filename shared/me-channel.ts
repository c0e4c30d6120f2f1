import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { HandshakeMetrics } from './metrics';
import type { ConnectionStore } from './stores/connections';

/** A change to the agent's copy of its user (SPEC, "Me-channel"): dotted paths set or removed. */
export interface UserUpdate {
  $set?: Record<string, unknown>;
  $unset?: Record<string, true>;
}

export interface PublishReport {
  delivered: number;
  gone: number;
  failed: number;
}

/** The SPEC message for one user update; `version`: the number of that change (the agent's order and gap check). */
export function meChannelMessage(userId: string, update: UserUpdate, version: number, requestId: string = randomUUID()) {
  return { channel: `user-${userId}`, version, message: { user: { id: userId, ...update }, requestId } };
}

/**
 * Publishes user updates to every WebSocket connection of the user through the API Gateway management API
 * (PostToConnection), all in parallel. A connection that answers 410 Gone is forgotten; the others still
 * get the message; any other failure is counted and logged, never thrown. Each publish's counts go to the
 * metrics (MeChannelDelivered, MeChannelGone, MeChannelFailed).
 *
 * @example
 * const channel = new MeChannel(connections, createManagementClient('https://abc.execute-api.eu-west-1.amazonaws.com/live'), logger, metrics);
 * await channel.publish(userId, { $set: { 'providerInfo.github.accessToken': token } }, { version: 7 });
 */
export class MeChannel {
  constructor(
    private readonly connections: ConnectionStore,
    /** Public so that tracing (and the least-privilege test) can attach to every AWS client. */
    readonly client: ApiGatewayManagementApiClient,
    private readonly logger: Logger,
    private readonly metrics?: Pick<HandshakeMetrics, 'meChannelPublished'>,
  ) {}

  /** Sends the update, numbered `version`, to every live connection of the user (one Query finds them). */
  async publish(userId: string, update: UserUpdate, options: { version: number; requestId?: string }): Promise<PublishReport> {
    const ids = await this.connections.ofUser(userId);
    const data = Buffer.from(JSON.stringify(meChannelMessage(userId, update, options.version, options.requestId)));
    const report: PublishReport = { delivered: 0, gone: 0, failed: 0 };
    await Promise.all(
      ids.map(async (connectionId) => {
        try {
          await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
          report.delivered++;
        } catch (err) {
          if (isGone(err)) {
            report.gone++;
            await this.connections.forget(userId, connectionId).catch(() => undefined);
          } else {
            report.failed++;
            this.logger.warn('me-channel post failed', { userId, errorName: (err as Error).name });
          }
        }
      }),
    );
    this.metrics?.meChannelPublished(report);
    return report;
  }

  /**
   * Closes connections (DeleteConnection); API Gateway then runs `$disconnect`, which forgets them. One already
   * gone is forgotten here; any other failure is counted and logged, never thrown.
   */
  async close(userId: string, connectionIds: string[]): Promise<PublishReport> {
    const report: PublishReport = { delivered: 0, gone: 0, failed: 0 };
    await Promise.all(
      connectionIds.map(async (connectionId) => {
        try {
          await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
          report.delivered++;
        } catch (err) {
          if (isGone(err)) {
            report.gone++;
            await this.connections.forget(userId, connectionId).catch(() => undefined);
          } else {
            report.failed++;
            this.logger.warn('me-channel close failed', { userId, errorName: (err as Error).name });
          }
        }
      }),
    );
    return report;
  }
}

function isGone(err: unknown): boolean {
  return err instanceof GoneException || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;
}

/** The management API client; `endpoint` is `https://{domain}/{stage}` in AWS, the local gateway's URL locally. */
export function createManagementClient(endpoint: string, config: ApiGatewayManagementApiClientConfig = {}): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 2, ...config });
}
