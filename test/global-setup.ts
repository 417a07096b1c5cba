import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import { buildWidget } from '../scripts/build-widget.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** embedded: a tarball of a migrated PGlite data directory; postgres: a template database name. */
    databaseTemplate: string;
  }
}

/**
 * Builds one migrated database per run; each test file then clones it (a PGlite data-dir dump,
 * or `CREATE DATABASE … TEMPLATE …`), which costs milliseconds instead of a fresh migration.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The auth server serves the widget's bundle from dist/: built from the current source for every
  // run, so a fresh clone (or a changed widget) is tested as it is.
  await buildWidget();
  if (project.name === 'postgres') {
    const url = process.env.TEST_DATABASE_URL!;
    const template = `gatehouse_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${template}`;
    const db = createDatabase({ url: templateUrl.toString() });
    await migrateLatest(db.knex);
    await db.close();
    project.provide('databaseTemplate', template);
    return async () => {
      // Clones made by test files are dropped by them; the template goes last.
      await admin.query(`drop database if exists ${template} with (force)`).catch(() => {});
      await admin.end();
    };
  }
  const pglite = new PGlite();
  const db = createDatabase({ pglite });
  await migrateLatest(db.knex);
  const dump = await pglite.dumpDataDir('none');
  await db.close();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-template-'));
  const file = path.join(dir, 'pgdata.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('databaseTemplate', file);
  return async () => rmSync(dir, { recursive: true, force: true });
}
