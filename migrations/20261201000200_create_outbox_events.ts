import type { Knex } from 'knex';

// The transactional outbox (DESIGN.md "One write path", "Webhooks"): the events of a change,
// written in the change's own transaction by domain/record-change.ts, and delivered later by the
// webhook worker, which claims undispatched rows with FOR UPDATE SKIP LOCKED.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbox_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('actor_type').notNullable();
    t.text('actor_id').notNullable();
    t.text('resource_type').notNullable();
    t.text('resource_id').notNullable();
    t.jsonb('data').notNullable();
    t.jsonb('changes');
    t.text('request_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
  });
  await knex.raw('create index outbox_events_pending on outbox_events (created_at, id) where dispatched_at is null');
  await knex.raw('create index outbox_events_organization on outbox_events (organization_id, created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox_events');
}
