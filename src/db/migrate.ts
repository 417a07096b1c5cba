import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Knex } from 'knex';

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// `migrations/` sits at the repository root; compiled, at `dist/migrations/`. Either way it is
// two folders up from this file.
const defaultDirectory = fileURLToPath(new URL('../../migrations/', import.meta.url));
const migrationName = /^\d{14}_[a-z0-9_]+\.(ts|js)$/;

/** Files named `<timestamp>_<verb>_<noun>.ts` in timestamp order; names are stored without extension. */
export class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly directory = defaultDirectory) {}

  async getMigrations(): Promise<string[]> {
    return readdirSync(this.directory)
      .filter((file) => migrationName.test(file) && !file.endsWith('.d.ts'))
      .sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js)$/, '');
  }

  async getMigration(file: string): Promise<MigrationModule> {
    return (await import(pathToFileURL(path.join(this.directory, file)).href)) as MigrationModule;
  }
}

const migrationConfig = (directory?: string): Knex.MigratorConfig => ({
  migrationSource: new DirectoryMigrationSource(directory),
  tableName: 'knex_migrations',
});

export async function migrateLatest(knex: Knex, directory?: string): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig(directory))) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(knex: Knex, directory?: string): Promise<string[]> {
  const [, reverted] = (await knex.migrate.rollback(migrationConfig(directory), true)) as [number, string[]];
  return reverted;
}

export async function pendingMigrations(knex: Knex, directory?: string): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(migrationConfig(directory))) as [unknown[], Array<{ file: string }>];
  return pending.map((m) => m.file);
}
