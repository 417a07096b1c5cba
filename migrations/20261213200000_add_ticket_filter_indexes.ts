import type { Knex } from 'knex';

// Issue 12: the ticket list's selective filters read an index instead of walking the whole
// organization's tickets (requester, group), and deleting a contact, visitor or conversation
// finds the tickets it names without a scan (the foreign keys null them). Newest first, as the
// list orders.

const INDEXES: Record<string, string> = {
  tickets_requester_contact: 'tickets (requester_contact_id, created_at, id) where requester_contact_id is not null',
  tickets_requester_visitor: 'tickets (requester_visitor_id, created_at, id) where requester_visitor_id is not null',
  tickets_organization_group: 'tickets (organization_id, group_id, created_at, id)',
  tickets_source_conversation: 'tickets (source_conversation_id) where source_conversation_id is not null',
  tickets_follow_up_of: 'tickets (follow_up_of) where follow_up_of is not null',
};

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of Object.entries(INDEXES)) await knex.raw(`create index ${name} on ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const name of Object.keys(INDEXES)) await knex.raw(`drop index ${name}`);
}
