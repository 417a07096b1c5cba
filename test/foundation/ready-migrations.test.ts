import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type OwnedRuntime } from '../../src/cli/runtime.js';
import { start, type Started } from '../../src/cli/start.js';
import { createDatabase } from '../../src/db/knex.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/shared/logger.js';
import { testConfig } from '../helpers/runtime.js';

// A rolling upgrade with MIGRATE_ON_START=false: a new gateway on a database its migrations have
// not reached yet starts, but /ready answers 503 naming `migrations` until they are applied, so
// the orchestrator sends it no traffic meanwhile.

describe('/ready during an upgrade', () => {
  let runtime: OwnedRuntime;
  let started: Started;
  beforeAll(async () => {
    const config = testConfig({ MIGRATE_ON_START: false, AUTH_UPSTREAM_URL: 'http://127.0.0.1:9', API_UPSTREAM_URL: 'http://127.0.0.1:9' });
    runtime = await createRuntime(config, createLogger({ level: 'silent' }), { db: createDatabase({ pglite: new PGlite() }) });
    started = await start({ config, logger: runtime.logger, role: 'gateway', runtime, print: () => {} });
  });
  afterAll(() => started?.stop());

  it('is false until the migrations are applied, then true', async () => {
    const before = await fetch(`${started.urls.gateway!}/ready`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ ok: false, failed: ['migrations'], checks: { database: 'ok', migrations: 'failed' } });
    await migrateLatest(runtime.db.knex);
    const after = await fetch(`${started.urls.gateway!}/ready`);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ ok: true, checks: { database: 'ok', migrations: 'ok' } });
  });
});
