import type { Knex } from 'knex';

// Webhooks (DESIGN.md "Webhooks", issue 11). The outbox row is the event; the worker fans each
// undispatched event out to the organization's matching endpoints as one delivery per endpoint
// (in one transaction with marking the event dispatched), then delivers the due deliveries. A
// delivery keeps a frozen copy of the envelope, so replays and test events need no outbox row,
// and its `position` (the outbox position) orders one conversation's events per endpoint.

const organization = (t: Knex.CreateTableBuilder) =>
  t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.text('url').notNullable();
    t.text('description');
    /** Event types, or `["*"]` for every one. */
    t.jsonb('events').notNullable();
    /** `message.created` only for these author types (`visitor`, `agent`, `bot`, `system`); null: all. */
    t.jsonb('message_author_types');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('disabled_reason');
    t.timestamp('disabled_at', { useTz: true });
    /** The signing secret `whsec_…`, sealed with the server's key (never returned after creation). */
    t.text('secret').notNullable();
    /** During a rotation's overlap the old secret signs too, until `previous_secret_expires_at`. */
    t.text('previous_secret');
    t.timestamp('previous_secret_expires_at', { useTz: true });
    t.integer('max_concurrency').notNullable().defaultTo(4);
    t.timestamp('last_success_at', { useTz: true });
    /** Set at the first failure after a success; the endpoint is disabled when the schedule runs out. */
    t.timestamp('failing_since', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index webhook_endpoints_organization on webhook_endpoints (organization_id, created_at, id)');

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.uuid('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    /** The outbox event's id (also the `webhook-id` header, the same on every retry); a test event has its own. */
    t.uuid('event_id').notNullable();
    t.text('event_type').notNullable();
    /** The envelope as delivered: `{id, type, timestamp, organization_id, actor, data, changes?, sequence?}`. */
    t.jsonb('payload').notNullable();
    t.uuid('conversation_id');
    /** The outbox position (null for test events): one conversation's deliveries go out in this order. */
    t.bigInteger('position');
    t.text('status').notNullable().defaultTo('pending');
    /** Attempts made so far. */
    t.integer('attempt').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** A worker's claim: others skip the row until this passes (a killed worker's claim expires). */
    t.timestamp('locked_until', { useTz: true });
    t.integer('last_response_status');
    t.text('last_error');
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['endpoint_id', 'event_id']);
  });
  await knex.raw(`alter table webhook_deliveries add constraint webhook_deliveries_status check (status in ('pending', 'delivered', 'failed'))`);
  await knex.raw(`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending'`);
  await knex.raw(`create index webhook_deliveries_conversation_order on webhook_deliveries (endpoint_id, conversation_id, position) where status = 'pending'`);
  await knex.raw('create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, created_at, id)');

  await knex.schema.createTable('webhook_attempts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.uuid('delivery_id').notNullable().references('id').inTable('webhook_deliveries').onDelete('CASCADE');
    t.uuid('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('response_status');
    /** The first bytes of the answer, for the delivery log. */
    t.text('response_body');
    t.text('error');
    t.index(['delivery_id', 'attempt']);
    t.index(['endpoint_id', 'started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_endpoints');
}
