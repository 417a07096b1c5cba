import type { Knex } from 'knex';

// The helpdesk (DESIGN.md "Tickets", issue 12): tickets numbered per organization, their tags,
// messages (public replies and internal notes) and an event row per change.

const organization = (t: Knex.CreateTableBuilder) =>
  t.uuid('organization_id').notNullable().references('id').inTable('organizations').onDelete('CASCADE');

export async function up(knex: Knex): Promise<void> {
  // Each organization's next ticket number, taken with `update … returning` in the creating
  // transaction, so two concurrent creates never share a number.
  await knex.schema.alterTable('organizations', (t) => {
    t.integer('next_ticket_number').notNullable().defaultTo(1);
  });

  await knex.schema.createTable('tickets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.integer('number').notNullable();
    t.text('subject').notNullable();
    t.text('status').notNullable().defaultTo('new');
    t.text('priority').notNullable().defaultTo('normal');
    /** The requester is a contact or a visitor (or nobody yet). */
    t.uuid('requester_contact_id').references('id').inTable('contacts').onDelete('SET NULL');
    t.uuid('requester_visitor_id').references('id').inTable('visitors').onDelete('SET NULL');
    t.uuid('assignee_id').references('id').inTable('users').onDelete('SET NULL');
    t.uuid('group_id').references('id').inTable('organization_groups').onDelete('SET NULL');
    t.uuid('source_conversation_id').references('id').inTable('conversations').onDelete('SET NULL');
    /** A follow-up of a closed ticket links to it (DESIGN.md: `closed` is final). */
    t.uuid('follow_up_of').references('id').inTable('tickets').onDelete('SET NULL');
    t.timestamp('solved_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'number']);
  });
  await knex.raw(`alter table tickets add constraint tickets_status check (status in ('new', 'open', 'pending', 'on_hold', 'solved', 'closed'))`);
  await knex.raw(`alter table tickets add constraint tickets_priority check (priority in ('low', 'normal', 'high', 'urgent'))`);
  await knex.raw('create index tickets_organization_created on tickets (organization_id, created_at, id)');
  await knex.raw('create index tickets_organization_status on tickets (organization_id, status, created_at, id)');
  await knex.raw('create index tickets_organization_assignee on tickets (organization_id, assignee_id, created_at, id)');
  await knex.raw('create index tickets_organization_updated on tickets (organization_id, updated_at, id)');
  await knex.raw(`create index tickets_solved on tickets (solved_at) where status = 'solved'`);

  await knex.schema.createTable('ticket_tags', (t) => {
    t.uuid('ticket_id').notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.uuid('tag_id').notNullable().references('id').inTable('tags').onDelete('CASCADE');
    t.primary(['ticket_id', 'tag_id']);
    t.index(['tag_id']);
  });

  await knex.schema.createTable('ticket_messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.uuid('ticket_id').notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    /** `user`, `api_key`, `client`, `contact`, `visitor` or `system`. */
    t.text('author_type').notNullable();
    t.text('author_id');
    t.text('text').notNullable();
    /** A public reply (the requester sees it) or an internal note. */
    t.boolean('public').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_id', 'created_at', 'id']);
  });

  await knex.schema.createTable('ticket_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    organization(t);
    t.uuid('ticket_id').notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('actor_type').notNullable();
    t.text('actor_id').notNullable();
    t.jsonb('changes');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_id', 'created_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ticket_events');
  await knex.schema.dropTable('ticket_messages');
  await knex.schema.dropTable('ticket_tags');
  await knex.schema.dropTable('tickets');
  await knex.schema.alterTable('organizations', (t) => {
    t.dropColumn('next_ticket_number');
  });
}
