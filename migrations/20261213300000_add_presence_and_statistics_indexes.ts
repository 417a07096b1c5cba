import type { Knex } from 'knex';

// Statistics (issue 12): the agents' presence that "agents online" counts, and the indexes that
// keep the statistics on an index scan at a million messages (docs/benchmarks.md "Helpdesk at a
// million messages" shows the plans). A filter by agent, group or widget reads only that slice
// of the period; today's "ended" and "solved" counts read only the rows that have those times.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('memberships', (t) => {
    t.text('availability').notNullable().defaultTo('offline');
    t.timestamp('last_seen_at', { useTz: true });
  });
  await knex.raw(`alter table memberships add constraint memberships_availability check (availability in ('online', 'away', 'offline'))`);
  await knex.raw('create index conversations_organization_assignee_started on conversations (organization_id, assignee_id, started_at)');
  await knex.raw('create index conversations_organization_group_started on conversations (organization_id, group_id, started_at)');
  await knex.raw('create index conversations_organization_widget_started on conversations (organization_id, widget_id, started_at)');
  await knex.raw('create index conversations_organization_ended on conversations (organization_id, ended_at) where ended_at is not null');
  // Reply times read a conversation's timeline in order: author and time from the index alone.
  await knex.raw('create index messages_conversation_timeline on messages (conversation_id, seq) include (author_type, created_at)');
  await knex.raw('create index tickets_organization_solved on tickets (organization_id, solved_at) where solved_at is not null');
}

export async function down(knex: Knex): Promise<void> {
  for (const index of ['tickets_organization_solved', 'messages_conversation_timeline', 'conversations_organization_ended', 'conversations_organization_widget_started',
    'conversations_organization_group_started', 'conversations_organization_assignee_started']) {
    await knex.raw(`drop index if exists ${index}`);
  }
  await knex.raw('alter table memberships drop constraint memberships_availability');
  await knex.schema.alterTable('memberships', (t) => {
    t.dropColumn('last_seen_at');
    t.dropColumn('availability');
  });
}
