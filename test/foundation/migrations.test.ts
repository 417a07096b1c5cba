import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest, migrateRollbackAll, pendingMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/backend.js';

async function tableNames(db: TestDatabase): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await db.knex('information_schema.tables')
    .where({ table_schema: 'public' })
    .select('table_name');
  return rows.map((row) => row.table_name).filter((name) => !name.startsWith('knex_')).sort();
}

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('leaves nothing pending on the template', async () => {
    expect(await pendingMigrations(db.knex)).toEqual([]);
    expect(await tableNames(db)).toEqual(expect.arrayContaining(['memberships', 'organization_groups', 'organizations', 'revocations', 'users']));
  });

  it('rolls every migration back down to an empty schema and up again', async () => {
    const reverted = await migrateRollbackAll(db.knex);
    expect(reverted.length).toBeGreaterThan(0);
    expect(await tableNames(db)).toEqual([]);
    const applied = await migrateLatest(db.knex);
    expect(applied).toEqual([...reverted].reverse());
    expect(await pendingMigrations(db.knex)).toEqual([]);
  });

  it('enforces the core constraints: role values, unique emails whatever their case', async () => {
    const [org] = await db.knex('organizations').insert({ name: 'Acme' }).returning('id');
    const [user] = await db.knex('users').insert({ email: 'Ana@Example.com' }).returning('id');
    await expect(db.knex('users').insert({ email: 'ana@example.COM' })).rejects.toMatchObject({ code: '23505' });
    await expect(
      db.knex('memberships').insert({ user_id: user.id, organization_id: org.id, role: 'owner' }),
    ).rejects.toMatchObject({ code: '23514' });
    await db.knex('memberships').insert({ user_id: user.id, organization_id: org.id, role: 'agent' });
    const count = await db.knex('memberships').count({ n: '*' }).first();
    // int8 comes back as a number on both PGlite and pg (normalised in src/db/knex.ts)
    expect(count?.n).toBe(1);
  });
});
