import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createDatabase, type Database } from '../../db/knex.js';
import { migrateLatest } from '../../db/migrate.js';
import type { EventBus } from '../../shared/bus.js';
import { channelContext } from '../control-channel.js';

export function loadCliConfig(): Config {
  return loadConfig();
}

export function createCliLogger(config: Config): Logger {
  return createLogger({ level: config.LOG_LEVEL, name: 'gatehouse' });
}

/**
 * Opens the configured database with migrations applied, runs `work`, and closes it. Over the
 * control channel, `work` gets the running server's database, configuration and bus instead.
 */
export async function withDatabase<T>(work: (db: Database, config: Config, bus?: EventBus) => Promise<T>): Promise<T> {
  const served = channelContext();
  if (served) return work(served.db, served.config, served.bus);
  const config = loadCliConfig();
  const db = config.DATABASE_URL ? createDatabase({ url: config.DATABASE_URL }) : createDatabase({ dataDir: config.DATA_DIR });
  try {
    await migrateLatest(db.knex);
    return await work(db, config);
  } finally {
    await db.close();
  }
}
