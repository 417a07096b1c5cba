import type { Knex } from 'knex';

// Refresh tokens of the seed-001 time-based token API. Each sign-in starts a family; every
// refresh consumes one token and issues the next in the same family; a consumed token presented
// again revokes the whole family (and, through the revocation list, its access tokens).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('first_party_refresh_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('family_id').notNullable();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('secret_hash').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('family_revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['family_id']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('first_party_refresh_tokens');
}
