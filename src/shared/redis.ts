import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * A Redis client that never hangs a request: commands time out, nothing queues while
 * disconnected (a command fails at once), and reconnection goes on in the background.
 */
export function createRedis(url: string, options: { commandTimeoutMs: number; name: string; subscriber?: boolean }): Redis {
  const base: RedisOptions = {
    connectionName: `gatehouse-${options.name}`,
    lazyConnect: true,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    // A subscriber keeps its queue so subscriptions made before the connection is up still land.
    enableOfflineQueue: options.subscriber === true,
    maxRetriesPerRequest: options.subscriber ? null : 1,
    // ioredis renews a subscriber's channels after a reconnect without observing the command, so a
    // client closed while that SUBSCRIBE is in flight rejects unhandled; the event bus renews them
    // itself instead (shared/bus.ts).
    autoResubscribe: !options.subscriber,
    ...(options.subscriber ? {} : { commandTimeout: options.commandTimeoutMs }),
  };
  const client = new Redis(url, base);
  // Errors are reported through readiness and the callers' own failures; an unhandled 'error'
  // event would otherwise crash the process.
  client.on('error', () => {});
  return client;
}
