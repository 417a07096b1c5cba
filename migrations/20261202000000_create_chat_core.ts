import type { Knex } from 'knex';

// The chat core (DESIGN.md "The chat and helpdesk domain", issue 10): widgets with their cards
// and tabs, visitors, conversations with tags, participants and ratings, messages. Public tokens
// (`wgt_…`, `vis_…`, `cnv_…`) are unique across the installation; everything carries its
// organization, and every query filters by it.

const timestamps = (knex: Knex, t: Knex.CreateTableBuilder) => {
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
};

const organization = (t: Knex.CreateTableBuilder) =>
  t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');

export async function up(knex: Knex): Promise<void> {
  // Hosts a bot's web-view button may open (DESIGN.md "Messages"): https only, this list only.
  await knex.schema.alterTable('organizations', (t) => {
    t.jsonb('webview_hosts').notNullable().defaultTo(knex.raw(`'[]'::jsonb`));
  });

  await knex.schema.createTable('widgets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.text('client_token').notNullable().unique();
    t.text('name').notNullable();
    t.jsonb('allowed_origins').notNullable();
    t.jsonb('config').notNullable();
    timestamps(knex, t);
  });
  await knex.raw('create index widgets_organization on widgets (organization_id, created_at, id)');

  for (const table of ['widget_cards', 'widget_tabs']) {
    await knex.schema.createTable(table, (t) => {
      t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      organization(t);
      t.uuid('widget_id').notNullable().references('id').inTable('widgets').onDelete('CASCADE');
      t.text('type').notNullable();
      t.text('title').notNullable();
      if (table === 'widget_cards') t.text('body');
      t.text('url');
      t.integer('position').notNullable();
      t.jsonb('translations').notNullable().defaultTo(knex.raw(`'{}'::jsonb`));
      timestamps(knex, t);
      t.index(['widget_id', 'position']);
    });
  }

  await knex.schema.createTable('visitors', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.uuid('widget_id').references('id').inTable('widgets').onDelete('SET NULL');
    t.text('token').notNullable().unique();
    /** Keyed hash of the resume credential (`visitor_secret`); the secret itself is never stored. */
    t.text('secret_hash').notNullable().unique();
    t.text('name');
    t.text('email');
    t.jsonb('context').notNullable().defaultTo(knex.raw(`'{}'::jsonb`));
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** Sessions of this visitor minted before this instant are refused (revocation). */
    t.timestamp('sessions_revoked_at', { useTz: true });
    timestamps(knex, t);
  });
  await knex.raw('create index visitors_organization on visitors (organization_id, created_at, id)');

  await knex.schema.createTable('tags', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.text('name').notNullable();
    t.jsonb('labels').notNullable().defaultTo(knex.raw(`'{}'::jsonb`));
    timestamps(knex, t);
    t.unique(['organization_id', 'name']);
  });

  await knex.schema.createTable('conversations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.text('token').notNullable().unique();
    t.uuid('widget_id').references('id').inTable('widgets').onDelete('SET NULL');
    t.uuid('visitor_id').references('id').inTable('visitors').onDelete('SET NULL');
    t.uuid('assignee_id').references('id').inTable('users').onDelete('SET NULL');
    t.uuid('group_id').references('id').inTable('organization_groups').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('open');
    t.text('subject');
    t.text('summary');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('first_response_at', { useTz: true });
    t.timestamp('last_message_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.text('end_reason');
    /** The latest event's sequence number; each event takes the next one (SSE `id`). */
    t.bigInteger('last_event_seq').notNullable().defaultTo(0);
    timestamps(knex, t);
  });
  await knex.raw(`alter table conversations add constraint conversations_status check (status in ('open', 'pending', 'snoozed', 'closed'))`);
  await knex.raw('create index conversations_organization_activity on conversations (organization_id, started_at, id)');
  await knex.raw('create index conversations_organization_status on conversations (organization_id, status, started_at)');
  await knex.raw('create index conversations_visitor on conversations (visitor_id)');
  await knex.raw('create index conversations_assignee on conversations (organization_id, assignee_id)');

  await knex.schema.createTable('conversation_tags', (t) => {
    t.uuid('conversation_id').notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.uuid('tag_id').notNullable().references('id').inTable('tags').onDelete('CASCADE');
    t.primary(['conversation_id', 'tag_id']);
    t.index(['tag_id']);
  });

  // Users who take part in a conversation besides its assignee (the "guest" rows: a guest user
  // reaches only these).
  await knex.schema.createTable('conversation_participants', (t) => {
    t.uuid('conversation_id').notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['conversation_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('conversation_ratings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('conversation_id').notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.smallint('score').notNullable();
    t.text('comment');
    t.timestamp('rated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['conversation_id', 'rated_at']);
  });

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.uuid('conversation_id').notNullable().references('id').inTable('conversations').onDelete('CASCADE');
    t.bigInteger('seq').notNullable();
    t.text('author_type').notNullable();
    t.text('author_id');
    t.jsonb('content');
    t.text('text').notNullable();
    t.jsonb('postback');
    t.text('client_message_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('edited_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    t.unique(['conversation_id', 'seq']);
    t.unique(['conversation_id', 'client_message_id']);
  });
  await knex.raw(`alter table messages add constraint messages_author_type check (author_type in ('visitor', 'agent', 'bot', 'system'))`);
  await knex.raw('create index messages_organization on messages (organization_id, created_at, id)');

  // Live events resume from the outbox (DESIGN.md "Real-time"): a conversation's events carry its
  // sequence number; every event has an installation-wide position for `/events`.
  await knex.schema.alterTable('outbox_events', (t) => {
    t.uuid('conversation_id');
    t.bigInteger('seq');
  });
  await knex.raw('alter table outbox_events add column position bigint generated always as identity');
  await knex.raw('create index outbox_events_conversation on outbox_events (conversation_id, seq) where conversation_id is not null');
  await knex.raw('create index outbox_events_position on outbox_events (organization_id, position)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists outbox_events_position');
  await knex.raw('drop index if exists outbox_events_conversation');
  await knex.schema.alterTable('outbox_events', (t) => {
    t.dropColumn('position');
    t.dropColumn('seq');
    t.dropColumn('conversation_id');
  });
  for (const table of ['messages', 'conversation_ratings', 'conversation_participants', 'conversation_tags', 'conversations', 'tags', 'visitors', 'widget_tabs', 'widget_cards', 'widgets']) {
    await knex.schema.dropTable(table);
  }
  await knex.schema.alterTable('organizations', (t) => {
    t.dropColumn('webview_hosts');
  });
}
