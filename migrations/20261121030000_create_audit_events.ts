import type { Knex } from 'knex';

// Issue 6 "Audit": who changed what, when, under which request id. No foreign key to
// organizations: the trail of a deleted organization outlives it.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable();
    t.text('actor_id').notNullable();
    t.text('actor_kind').notNullable();
    t.text('action').notNullable();
    t.text('resource_type').notNullable();
    t.text('resource_id').notNullable();
    t.text('request_id').notNullable();
    t.jsonb('changes');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organization_id', 'created_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
}
