import type { Knex } from 'knex';
import type { TICKET_AUTHOR_TYPES, TICKET_EVENT_TYPES, TICKET_PRIORITIES, TicketStatus } from '../../contract/operations/tickets.js';
import { withDbErrors } from '../../db/errors.js';
import { jsonb, paginate, timeAfterSiblings, type Page, type PageRequest } from '../shared/queries.js';

// The SQL of tickets, their tags, messages and event rows. Every query carries the organization.

export interface TicketRow {
  id: string;
  organization_id: string;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: (typeof TICKET_PRIORITIES)[number];
  requester_contact_id: string | null;
  requester_visitor_id: string | null;
  assignee_id: string | null;
  group_id: string | null;
  source_conversation_id: string | null;
  follow_up_of: string | null;
  solved_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  source_conversation_token: string | null;
  contact_name: string | null;
  contact_email: string | null;
  visitor_token: string | null;
  visitor_name: string | null;
  visitor_email: string | null;
  tags: string[];
}

function selectTickets(knex: Knex, organizationId: string): Knex.QueryBuilder {
  return knex('tickets as t')
    .leftJoin('conversations as sc', 'sc.id', 't.source_conversation_id')
    .leftJoin('contacts as rc', 'rc.id', 't.requester_contact_id')
    .leftJoin('visitors as rv', 'rv.id', 't.requester_visitor_id')
    .where('t.organization_id', organizationId)
    .select('t.*', 'sc.token as source_conversation_token', 'rc.name as contact_name', 'rc.email as contact_email',
      'rv.token as visitor_token', 'rv.name as visitor_name', 'rv.email as visitor_email')
    .select(knex.raw(`coalesce((select json_agg(g.name order by g.name) from ticket_tags tt join tags g on g.id = tt.tag_id
      where tt.ticket_id = t.id), '[]'::json) as tags`));
}

export async function findTicket(knex: Knex, organizationId: string, id: string): Promise<TicketRow | undefined> {
  return (await selectTickets(knex, organizationId).where('t.id', id).first()) as TicketRow | undefined;
}

/** The columns a write decides by, locked until the transaction ends (writers queue here). */
export type LockedTicket = Pick<TicketRow, 'id' | 'number' | 'status' | 'assignee_id' | 'requester_contact_id' | 'requester_visitor_id'>;

export async function lockTicket(trx: Knex, organizationId: string, id: string): Promise<LockedTicket | undefined> {
  return (await trx('tickets').where({ organization_id: organizationId, id }).forUpdate()
    .first('id', 'number', 'status', 'assignee_id', 'requester_contact_id', 'requester_visitor_id')) as LockedTicket | undefined;
}

export interface TicketFilters {
  status?: TicketStatus[] | undefined;
  priority?: TicketRow['priority'] | undefined;
  assignee_id?: string | undefined;
  requester?: { contactId: string } | { visitorToken: string } | undefined;
  group_id?: string | undefined;
  tag?: string | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
  updated_after?: string | undefined;
  updated_before?: string | undefined;
  q?: string | undefined;
}

/** `%`, `_` and `\` in a search are literal characters, not patterns. */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Newest first by `(created_at, id)`: a key that never changes, so a page never repeats or skips
 * a ticket however many are added or updated meanwhile (new tickets sort before the first page).
 */
export async function listTickets(knex: Knex, organizationId: string, filters: TicketFilters, page: PageRequest): Promise<Page<TicketRow>> {
  const builder = selectTickets(knex, organizationId);
  if (filters.status) builder.whereIn('t.status', filters.status);
  if (filters.priority) builder.where('t.priority', filters.priority);
  if (filters.assignee_id === 'none') builder.whereNull('t.assignee_id');
  else if (filters.assignee_id) builder.where('t.assignee_id', filters.assignee_id);
  if (filters.requester && 'contactId' in filters.requester) builder.where('t.requester_contact_id', filters.requester.contactId);
  else if (filters.requester) builder.where('rv.token', filters.requester.visitorToken);
  if (filters.group_id) builder.where('t.group_id', filters.group_id);
  if (filters.created_after) builder.where('t.created_at', '>=', filters.created_after);
  if (filters.created_before) builder.where('t.created_at', '<', filters.created_before);
  if (filters.updated_after) builder.where('t.updated_at', '>=', filters.updated_after);
  if (filters.updated_before) builder.where('t.updated_at', '<', filters.updated_before);
  if (filters.q) builder.whereILike('t.subject', `%${likeEscaped(filters.q)}%`);
  if (filters.tag) {
    builder.whereExists((q) => q.select(knex.raw('1')).from('ticket_tags as ft').join('tags as g', 'g.id', 'ft.tag_id')
      .whereRaw('ft.ticket_id = t.id').where('g.name', filters.tag!));
  }
  return paginate<TicketRow>(knex, builder, page, { at: 't.created_at', id: 't.id', newestFirst: true });
}

/** The organization's next ticket number, taken in the creating transaction (the row lock orders creators). */
export async function takeTicketNumber(trx: Knex, organizationId: string): Promise<number> {
  const [row] = (await trx('organizations').where({ id: organizationId })
    .increment('next_ticket_number', 1).returning('next_ticket_number')) as { next_ticket_number: number | string }[];
  return Number(row!.next_ticket_number) - 1;
}

export async function insertTicket(trx: Knex, values: Record<string, unknown>): Promise<string> {
  const [row] = (await withDbErrors(() => trx('tickets').insert(values).returning('id'))) as { id: string }[];
  return row!.id;
}

export async function updateTicketRow(trx: Knex, id: string, values: Record<string, unknown>): Promise<void> {
  await withDbErrors(() => trx('tickets').where({ id }).update({ ...values, updated_at: trx.fn.now() }));
}

export async function deleteTicket(trx: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await trx('tickets').where({ organization_id: organizationId, id }).delete().returning('id')).length === 1;
}

export async function replaceTicketTags(trx: Knex, ticketId: string, tagIds: readonly string[]): Promise<void> {
  await trx('ticket_tags').where({ ticket_id: ticketId }).delete();
  if (tagIds.length > 0) await trx('ticket_tags').insert(tagIds.map((tagId) => ({ ticket_id: ticketId, tag_id: tagId })));
}

export async function tagIdsOfTicket(knex: Knex, ticketId: string): Promise<string[]> {
  return ((await knex('ticket_tags').where({ ticket_id: ticketId }).select('tag_id')) as { tag_id: string }[]).map((tag) => tag.tag_id);
}

export interface TicketMessageRow {
  id: string;
  ticket_id: string;
  author_type: (typeof TICKET_AUTHOR_TYPES)[number];
  author_id: string | null;
  text: string;
  public: boolean;
  created_at: Date;
}

export async function insertTicketMessage(trx: Knex, values: Omit<TicketMessageRow, 'id' | 'created_at'> & { organization_id: string }): Promise<TicketMessageRow> {
  const createdAt = trx.raw(timeAfterSiblings('ticket_messages', 'ticket_id', 'clock_timestamp()'), [values.ticket_id]);
  const [row] = (await trx('ticket_messages').insert({ ...values, created_at: createdAt }).returning('*')) as TicketMessageRow[];
  return row!;
}

/** The latest `limit` messages, oldest first. */
export async function latestTicketMessages(knex: Knex, ticketId: string, limit: number): Promise<TicketMessageRow[]> {
  const rows = (await knex('ticket_messages').where({ ticket_id: ticketId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit)) as TicketMessageRow[];
  return rows.reverse();
}

export async function listTicketMessages(knex: Knex, ticketId: string, page: PageRequest): Promise<Page<TicketMessageRow>> {
  return paginate<TicketMessageRow>(knex, knex('ticket_messages as m').where('m.ticket_id', ticketId).select('m.*'), page, { at: 'm.created_at', id: 'm.id' });
}

export interface TicketEventRow {
  id: string;
  ticket_id: string;
  type: (typeof TICKET_EVENT_TYPES)[number];
  actor_type: string;
  actor_id: string;
  changes: Record<string, unknown> | null;
  created_at: Date;
}

export async function insertTicketEvent(trx: Knex, values: Omit<TicketEventRow, 'id' | 'created_at'> & { organization_id: string }): Promise<void> {
  await trx('ticket_events').insert({
    ...values,
    changes: values.changes === null ? null : jsonb(trx, values.changes),
    created_at: trx.raw(timeAfterSiblings('ticket_events', 'ticket_id', 'clock_timestamp()'), [values.ticket_id]),
  });
}

export async function listTicketEvents(knex: Knex, ticketId: string, page: PageRequest): Promise<Page<TicketEventRow>> {
  return paginate<TicketEventRow>(knex, knex('ticket_events as e').where('e.ticket_id', ticketId).select('e.*'), page, { at: 'e.created_at', id: 'e.id' });
}

export async function contactOfOrganization(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await knex('contacts').where({ organization_id: organizationId, id }).first('id')) !== undefined;
}

export async function visitorIdByToken(knex: Knex, organizationId: string, token: string): Promise<string | undefined> {
  return ((await knex('visitors').where({ organization_id: organizationId, token }).first('id')) as { id: string } | undefined)?.id;
}

export interface SourceConversation {
  id: string;
  subject: string | null;
  visitor_id: string | null;
  group_id: string | null;
}

export async function findSourceConversation(knex: Knex, organizationId: string, token: string): Promise<SourceConversation | undefined> {
  return (await knex('conversations').where({ organization_id: organizationId, token })
    .first('id', 'subject', 'visitor_id', 'group_id')) as SourceConversation | undefined;
}

/** The visitor's first message in the conversation (a rich one by its text), what a ticket made from it starts with. */
export async function firstVisitorMessage(knex: Knex, conversationId: string): Promise<string | undefined> {
  const row = (await knex('messages').where({ conversation_id: conversationId, author_type: 'visitor' }).whereNull('deleted_at')
    .orderBy('seq').first('text')) as { text: string } | undefined;
  return row?.text;
}

/** Solved tickets due to close, locked; rows another transaction holds are skipped, not waited for. */
export async function claimDueSolvedTickets(trx: Knex, cutoff: Date, limit: number): Promise<{ id: string; organization_id: string }[]> {
  return (await trx('tickets').where('status', 'solved').where('solved_at', '<=', cutoff)
    .orderBy('solved_at').limit(limit).forUpdate().skipLocked().select('id', 'organization_id')) as { id: string; organization_id: string }[];
}
