import type { Command } from '../command.js';
import { createDatabase } from '../../db/knex.js';
import { migrateLatest, migrateRollbackAll, pendingMigrations } from '../../db/migrate.js';
import { loadCliConfig } from './shared.js';
import { settleInstallationSecret } from '../installation-secret.js';
import { loadSecrets } from '../../shared/secrets.js';

export const migrateCommand: Command = {
  words: ['migrate'],
  summary: 'apply pending migrations (or --status, --rollback-all)',
  usage: 'gatehouse migrate [--status] [--rollback-all]',
  options: { status: { type: 'boolean' }, 'rollback-all': { type: 'boolean' } },
  async run({ values, out }) {
    const config = loadCliConfig();
    // Before connecting: a process that would generate a secret next to a shared database stops here.
    const secrets = loadSecrets({ secret: config.SECRET, previous: config.SECRET_PREVIOUS, dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
    const db = config.DATABASE_URL ? createDatabase({ url: config.DATABASE_URL }) : createDatabase({ dataDir: config.DATA_DIR });
    try {
      if (values.status) {
        const pending = await pendingMigrations(db.knex);
        out(pending.length === 0 ? 'up to date' : `pending:\n${pending.map((m) => `  ${m}`).join('\n')}`);
      } else if (values['rollback-all']) {
        const reverted = await migrateRollbackAll(db.knex);
        out(reverted.length === 0 ? 'nothing to roll back' : `rolled back ${reverted.length}: ${reverted.join(', ')}`);
      } else {
        const applied = await migrateLatest(db.knex);
        // The first migration of an installation records its root secret; later ones check it.
        await settleInstallationSecret(db.knex, secrets, { now: Date.now, generated: !config.SECRET });
        out(applied.length === 0 ? 'up to date' : `applied ${applied.length}: ${applied.join(', ')}`);
      }
    } finally {
      await db.close();
    }
  },
};
