import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createDatabase, type Database } from '../../db/knex.js';
import { migrateLatest } from '../../db/migrate.js';

export function loadCliConfig(): Config {
  return loadConfig();
}

export function createCliLogger(config: Config): Logger {
  return createLogger({ level: config.LOG_LEVEL, name: 'gatehouse' });
}

/** Opens the configured database with migrations applied, runs `work`, and closes it. */
export async function withDatabase<T>(work: (db: Database, config: Config) => Promise<T>): Promise<T> {
  const config = loadCliConfig();
  const db = config.DATABASE_URL ? createDatabase({ url: config.DATABASE_URL }) : createDatabase({ dataDir: config.DATA_DIR });
  try {
    await migrateLatest(db.knex);
    return await work(db, config);
  } finally {
    await db.close();
  }
}
