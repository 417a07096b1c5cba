import { loadConfig, type Config } from '../../shared/config/index.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { createDatabase, type Database } from '../../db/knex.js';
import { migrateLatest } from '../../db/migrate.js';
import type { EventBus } from '../../shared/bus.js';
import { channelContext } from '../control-channel.js';
import { loadSecrets, type ManagedSecrets } from '../../shared/secrets.js';
import { settleInstallationSecret } from '../installation-secret.js';

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

/** The root secrets a command seals and hashes with, checked against the installation's like a starting process's. */
export async function installationSecrets(db: Database, config: Config): Promise<ManagedSecrets> {
  const secrets = loadSecrets({ secret: config.SECRET, previous: config.SECRET_PREVIOUS, dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
  await settleInstallationSecret(db.knex, secrets, { now: Date.now, generated: !config.SECRET });
  return secrets;
}
