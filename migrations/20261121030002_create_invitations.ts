import type { Knex } from 'knex';

// Seed 000 "invite a customer to a property": single-use, expiring tokens; only a SHA-256 of
// the token is stored.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invitations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('role').notNullable();
    t.jsonb('group_ids').notNullable().defaultTo('[]');
    t.text('token_hash').notNullable().unique();
    t.uuid('invited_by').references('users.id').onDelete('SET NULL');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('accepted_at', { useTz: true });
    t.uuid('accepted_by').references('users.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organization_id', 'created_at', 'id']);
  });
  await knex.raw(`alter table invitations add constraint invitations_role_check check (role in ('guest', 'agent', 'bot', 'admin'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('invitations');
}
