import type { Knex } from 'knex';

// Members (seed 000 "property members") are listed by role, group and status. Status is per
// membership: disabling a user in one organization leaves their other memberships alone.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('memberships', (t) => {
    t.timestamp('disabled_at', { useTz: true });
  });
  await knex.schema.createTable('organization_group_members', (t) => {
    t.uuid('group_id').notNullable().references('organization_groups.id').onDelete('CASCADE');
    t.uuid('user_id').notNullable();
    t.uuid('organization_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['group_id', 'user_id']);
    // Leaving the organization leaves its groups.
    t.foreign(['user_id', 'organization_id']).references(['user_id', 'organization_id']).inTable('memberships').onDelete('CASCADE');
    t.index(['organization_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('organization_group_members');
  await knex.schema.alterTable('memberships', (t) => {
    t.dropColumn('disabled_at');
  });
}
