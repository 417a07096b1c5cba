import type { Knex } from 'knex';

// The webhook worker fans out undispatched events oldest position first (issue 11): a one-conversation
// order needs positions, and this partial index keeps the claim cheap however long the outbox grows.

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index outbox_events_undispatched on outbox_events (position) where dispatched_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists outbox_events_undispatched');
}
