import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstRun } from '../../src/cli/bootstrap.js';
import { findUserByEmail } from '../../src/db/accounts.js';
import { verifyPassword } from '../../src/shared/password.js';
import { createTestDatabase, type TestDatabase } from '../helpers/backend.js';

describe('first-run bootstrap', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('creates an organization and its admin once, generating a password when none is configured', async () => {
    const first = await bootstrapFirstRun(db.knex, { organizationName: 'Default organization' });
    expect(first.created).toBe(true);
    expect(first.email).toBe('admin@localhost');
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);

    const admin = await findUserByEmail(db.knex, 'admin@localhost');
    expect(admin).toBeDefined();
    expect(admin!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(admin!.password_hash, first.generatedPassword!)).toBe(true);
    const memberships = await db.knex('memberships').where({ user_id: admin!.id });
    expect(memberships).toHaveLength(1);
    expect(memberships[0].role).toBe('admin');
    expect(memberships[0].organization_id).toBe(first.organizationId);

    const again = await bootstrapFirstRun(db.knex, { email: 'other@example.com', password: 'another-password', organizationName: 'X' });
    expect(again).toEqual({ created: false });
    expect(await db.knex('users').count({ n: '*' }).first()).toEqual({ n: 1 });
    expect(await db.knex('organizations').count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  it('is safe when several processes start at once', async () => {
    const fresh = await createTestDatabase();
    try {
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          bootstrapFirstRun(fresh.knex, { email: 'boss@example.com', password: 'correct horse', organizationName: 'Acme' }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.find((r) => r.created)?.generatedPassword).toBeUndefined();
      expect(await fresh.knex('users').count({ n: '*' }).first()).toEqual({ n: 1 });
      const boss = await findUserByEmail(fresh.knex, 'BOSS@example.com');
      expect(await verifyPassword(boss!.password_hash, 'correct horse')).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});
