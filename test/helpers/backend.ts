import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../src/db/knex.js';
import { createRedis, type Redis } from '../../src/shared/redis.js';

/** Which storage this test run uses: `embedded` (PGlite, in-process) or `postgres` (+ Redis). */
export const backend: 'embedded' | 'postgres' = process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'embedded';

export interface TestDatabase extends Database {
  /** postgres only: the URL of this clone, for spawning processes on the same data. */
  readonly url: string | undefined;
}

/** A fresh, migrated database of its own, cloned from the run's template. Close it when done. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('databaseTemplate');
  if (backend === 'postgres') {
    const base = process.env.TEST_DATABASE_URL!;
    const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
    await withAdmin(base, (client) => client.query(`create database ${name} template ${template}`));
    const url = new URL(base);
    url.pathname = `/${name}`;
    const db = createDatabase({ url: url.toString(), poolMax: 5 });
    return {
      ...db,
      url: url.toString(),
      async close() {
        await db.close();
        await withAdmin(base, (client) => client.query(`drop database if exists ${name} with (force)`));
      },
    };
  }
  const pglite = new PGlite({ loadDataDir: new Blob([readFileSync(template)]) });
  return { ...createDatabase({ pglite }), url: undefined };
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Redis for this test (postgres backend only), with a key prefix no other test shares. */
export function createTestRedis(): { redis: Redis; subscriber: Redis; prefix: string } | undefined {
  const url = process.env.TEST_REDIS_URL;
  if (backend !== 'postgres' || !url) return undefined;
  const prefix = `gatehouse-test-${randomBytes(6).toString('hex')}:`;
  return {
    redis: createRedis(url, { commandTimeoutMs: 1_000, name: 'test' }),
    subscriber: createRedis(url, { commandTimeoutMs: 1_000, name: 'test-events', subscriber: true }),
    prefix,
  };
}
