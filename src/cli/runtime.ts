import type { Config } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import type { Database, Runtime } from '../shared/runtime.js';
import { createInProcessBus, createRedisBus } from '../shared/bus.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { createMetricsRegistry } from '../shared/metrics.js';
import { createRedis, type Redis } from '../shared/redis.js';
import { loadSecrets, type ManagedSecrets } from '../shared/secrets.js';
import { createDatabase } from '../db/knex.js';
import { pendingMigrations } from '../db/migrate.js';

export interface OwnedRuntime extends Runtime {
  /** Settled against the database's fingerprint when the process starts (installation-secret.ts). */
  readonly secrets: ManagedSecrets;
  /** Closes what the runtime opened, in reverse order. */
  close(): Promise<void>;
}

/** Opens the database, Redis and bus a process shares between its components. */
export async function createRuntime(
  config: Config,
  logger: Logger,
  options: { clock?: Clock; db?: Database; embeddedSharedBuffers?: string } = {},
): Promise<OwnedRuntime> {
  const clock = options.clock ?? systemClock;
  const secrets = loadSecrets({ secret: config.SECRET, previous: config.SECRET_PREVIOUS, dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL, now: () => clock.now() });
  const db =
    options.db ??
    (config.DATABASE_URL
      ? createDatabase({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX, logger })
      : createDatabase({ dataDir: config.DATA_DIR, logger, ...(options.embeddedSharedBuffers ? { sharedBuffers: options.embeddedSharedBuffers } : {}) }));
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  if (config.REDIS_URL) {
    redis = createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: 'commands' });
    subscriber = createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: 'events', subscriber: true });
    // A Redis that is down at boot is reported by /ready and retried in the background; the
    // process still starts and falls back where it can.
    await Promise.all(
      [redis, subscriber].map((client) => client.connect().catch((err: unknown) => logger.warn({ err }, 'redis is not reachable yet'))),
    );
  }
  const bus = redis && subscriber ? createRedisBus({ publisher: redis, subscriber, logger, prefix: config.REDIS_KEY_PREFIX }) : createInProcessBus();
  // Once applied, a migration stays applied: only the wait for the upgrade's migrations is polled.
  let migrated = false;
  const schema = async () => {
    migrated ||= (await pendingMigrations(db.knex)).length === 0;
    return migrated ? 'ok' as const : 'failed' as const;
  };
  return {
    config,
    schema,
    logger,
    db,
    bus,
    redis,
    secrets,
    clock,
    metrics: createMetricsRegistry(),
    async close() {
      await bus.close();
      subscriber?.disconnect();
      redis?.disconnect();
      await db.close();
    },
  };
}
