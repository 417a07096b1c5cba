import type { Knex } from 'knex';

// Reply times stored with the reply (DESIGN.md "Statistics"; docs/statistics.md): the first agent
// or bot message after a run of visitor messages carries the seconds since the run's first
// visitor message; system messages are neither. The messages service writes it with the message;
// this backfills the history with the same rule in one statement, so the statistics aggregate
// stored numbers instead of ordering every message of every conversation in the period.

// Each non-system message is numbered by the responses before it in its conversation: a run of
// visitor messages shares its number with the response that ends it, which is the only
// non-visitor message of its group.
export const BACKFILL_REPLY_TIMES = `
  update messages m set reply_seconds = extract(epoch from m.created_at - g.first_visitor_at)
  from (
    select min(created_at) filter (where author_type = 'visitor') as first_visitor_at,
      (array_agg(id) filter (where author_type <> 'visitor'))[1] as response_id
    from (
      select id, conversation_id, author_type, created_at, count(*) filter (where author_type <> 'visitor')
        over (partition by conversation_id order by seq rows between unbounded preceding and 1 preceding) as run
      from messages where author_type <> 'system'
    ) timeline
    group by conversation_id, run
  ) g
  where m.id = g.response_id and g.first_visitor_at is not null`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table messages add column reply_seconds numeric');
  await knex.raw(BACKFILL_REPLY_TIMES);
  // The statistics read a conversation's reply times alone, from the index.
  await knex.raw('create index messages_conversation_replies on messages (conversation_id) include (reply_seconds) where reply_seconds is not null');
  // A conversation's current rating (the latest) in the index's order, with its score: no sort
  // and no heap visit per conversation of the period.
  await knex.raw('create index conversation_ratings_current on conversation_ratings (conversation_id, rated_at desc, id desc) include (score)');
  // An agent's conversations of the period with what the statistics count, from the index alone;
  // the conversation list by assignee reads the same keys.
  await knex.raw('create index conversations_organization_assignee_covering on conversations (organization_id, assignee_id, started_at) include (id, first_response_at, ended_at, status)');
  await knex.raw('drop index conversations_organization_assignee_started');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index conversations_organization_assignee_started on conversations (organization_id, assignee_id, started_at)');
  for (const index of ['conversations_organization_assignee_covering', 'conversation_ratings_current', 'messages_conversation_replies']) {
    await knex.raw(`drop index if exists ${index}`);
  }
  await knex.raw('alter table messages drop column reply_seconds');
}
