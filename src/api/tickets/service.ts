import type { Knex } from 'knex';
import type { z } from 'zod';
import { fieldRefused } from '../../contract/field-errors.js';
import type { TICKET_AUTHOR_TYPES, ticketOperations } from '../../contract/operations/tickets.js';
import { recordChange, type Actor } from '../../domain/record-change.js';
import { AppError } from '../../shared/errors.js';
import type { Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { presentTicketDetails, type TicketDetailsData } from './present.js';
import {
  deleteTicket, findSourceConversation, findTicket, firstVisitorMessage, insertTicket, insertTicketMessage, lockTicket, replaceTicketTags,
  takeTicketNumber, updateTicketRow, type TicketMessageRow, type TicketRow,
} from './queries.js';
import { differences, recordTicketChange, type HistoryEntry } from './record.js';
import { checkAssignee, checkGroup, requesterColumns, tagIdsOf } from './references.js';

type CreateBody = z.output<typeof ticketOperations.create.body>;
type UpdateBody = z.output<typeof ticketOperations.update.body>;

const SUBJECT_MAX = 200;

/** The columns of a new ticket, references already checked. */
export type NewTicket = Pick<
  TicketRow,
  'subject' | 'priority' | 'requester_contact_id' | 'requester_visitor_id' | 'assignee_id' | 'group_id' | 'source_conversation_id' | 'follow_up_of'
> & { tagIds: readonly string[] };

export interface FirstMessage {
  text: string;
  author_type: (typeof TICKET_AUTHOR_TYPES)[number];
  author_id: string | null;
}

/**
 * Writes a new ticket with the organization's next number: `new`, or `open` when someone is
 * assigned (DESIGN.md "Tickets"), its tags, its first message, and its history; the caller then
 * records the change. Shared by create and by the follow-up of a closed ticket.
 */
export async function insertNewTicket(trx: Knex, actor: Actor, fields: NewTicket, message: FirstMessage | undefined, isPublic = true): Promise<{ id: string; history: HistoryEntry[]; message?: TicketMessageRow }> {
  const org = actor.identity.org;
  const { tagIds, ...columns } = fields;
  const number = await takeTicketNumber(trx, org);
  const id = await insertTicket(trx, { ...columns, organization_id: org, number, status: columns.assignee_id === null ? 'new' : 'open' });
  if (tagIds.length > 0) await replaceTicketTags(trx, id, tagIds);
  const history: HistoryEntry[] = [{ type: 'created', changes: null }];
  if (!message) return { id, history };
  const row = await insertTicketMessage(trx, { organization_id: org, ticket_id: id, ...message, public: isPublic });
  history.push({ type: 'message_added', changes: { message_id: row.id, public: isPublic, author_type: row.author_type } });
  return { id, history, message: row };
}

/** The author of a message the caller writes: its kind of identity and id. */
export function callerAuthor(caller: Actor): Pick<FirstMessage, 'author_type' | 'author_id'> {
  return { author_type: caller.identity.kind, author_id: caller.identity.sub };
}

/**
 * Seed 002 "Create a new ticket". From a conversation (`conversation_token`), what the body leaves
 * out comes from it: the subject (else the visitor's first message), the first message (the
 * visitor's, by the visitor), the requester (its visitor) and the group.
 */
export async function createTicket(knex: Knex, caller: Caller, body: CreateBody): Promise<TicketDetailsData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const source = body.conversation_token === undefined ? undefined : await findSourceConversation(trx, org, body.conversation_token);
    if (body.conversation_token !== undefined && !source) throw fieldRefused('conversation_token', 'no such conversation');
    const requester = body.requester !== undefined
      ? await requesterColumns(trx, org, body.requester)
      : { requester_contact_id: null, requester_visitor_id: source?.visitor_id ?? null };
    await checkAssignee(trx, org, body.assignee_id ?? null);
    const groupId = body.group_id ?? source?.group_id ?? null;
    if (body.group_id !== undefined) await checkGroup(trx, org, body.group_id);
    const tagIds = await tagIdsOf(trx, org, body.tags ?? []);

    let message: FirstMessage | undefined;
    if (body.message !== undefined) message = { text: body.message, ...callerAuthor(caller) };
    const visitorText = source && body.message === undefined ? await firstVisitorMessage(trx, source.id) : undefined;
    if (visitorText) message = { text: visitorText, author_type: 'visitor', author_id: source!.visitor_id };
    const subject = body.subject ?? source?.subject ?? visitorText?.slice(0, SUBJECT_MAX).trim() ?? `Conversation ${body.conversation_token}`;

    const { id, history } = await insertNewTicket(trx, caller, {
      subject: subject === '' ? `Conversation ${body.conversation_token}` : subject,
      priority: body.priority ?? 'normal', ...requester, assignee_id: body.assignee_id ?? null, group_id: groupId,
      source_conversation_id: source?.id ?? null, follow_up_of: null, tagIds,
    }, message);
    const row = await recordTicketChange(trx, caller, { ticketId: id, action: 'tickets.create', history, events: ['ticket.created'], changes: { ...body } });
    return presentTicketDetails(trx, row);
  });
}

/** The fields of a ticket as PATCH names them, for `{from, to}` of its history. */
function editableOf(row: TicketRow, requester: string | null): Record<string, unknown> {
  return { subject: row.subject, priority: row.priority, requester, assignee_id: row.assignee_id, group_id: row.group_id, tags: row.tags };
}

const requesterRef = (row: TicketRow): string | null => row.requester_contact_id ?? row.visitor_token ?? null;

/**
 * Seed 002 "Update a ticket": only the given fields. Assigning a `new` ticket opens it; a solved
 * ticket keeps an assignee (solving needs one); a closed ticket is final.
 */
export async function updateTicket(knex: Knex, caller: Caller, id: string, body: UpdateBody): Promise<TicketDetailsData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    if (!(await lockTicket(trx, org, id))) throw notFound('ticket');
    const current = (await findTicket(trx, org, id))!;
    if (current.status === 'closed') throw new AppError('conflict', 'A closed ticket is final; reply to it to open a follow-up ticket.');
    const values: Record<string, unknown> = {};
    if (body.subject !== undefined) values.subject = body.subject;
    if (body.priority !== undefined) values.priority = body.priority;
    if (body.requester !== undefined) Object.assign(values, await requesterColumns(trx, org, body.requester));
    if (body.assignee_id !== undefined) {
      await checkAssignee(trx, org, body.assignee_id);
      if (body.assignee_id === null && current.status === 'solved') throw new AppError('assignee_required', 'A solved ticket keeps its assignee; reopen it first.');
      values.assignee_id = body.assignee_id;
    }
    if (body.group_id !== undefined) {
      await checkGroup(trx, org, body.group_id);
      values.group_id = body.group_id;
    }
    const tagIds = body.tags === undefined ? undefined : await tagIdsOf(trx, org, body.tags);

    const before = editableOf(current, requesterRef(current));
    const after = { ...body, ...(body.tags ? { tags: [...new Set(body.tags)].sort() } : {}) };
    const changed = differences(before, after);
    if (Object.keys(changed).length === 0) return presentTicketDetails(trx, current);

    const opens = current.status === 'new' && typeof values.assignee_id === 'string';
    if (opens) values.status = 'open';
    await updateTicketRow(trx, id, values);
    if (tagIds) await replaceTicketTags(trx, id, tagIds);
    const history: HistoryEntry[] = [{ type: 'updated', changes: changed }];
    if (opens) history.push({ type: 'status_changed', changes: { status: { from: 'new', to: 'open' } } });
    const row = await recordTicketChange(trx, caller, {
      ticketId: id, action: 'tickets.update', history, events: opens ? ['ticket.updated', 'ticket.status_changed'] : ['ticket.updated'],
      changes: opens ? { ...changed, status: { from: 'new', to: 'open' } } : changed,
    });
    return presentTicketDetails(trx, row);
  });
}

/** Seed 002 "Delete a ticket" (admin, seed 001 "Delete other resource"): with its messages and history. */
export async function removeTicket(knex: Knex, caller: Caller, id: string): Promise<void> {
  await knex.transaction(async (trx) => {
    if (!(await deleteTicket(trx, caller.identity.org, id))) throw notFound('ticket');
    await recordChange(trx, caller, { action: 'tickets.delete', resourceType: 'ticket', resourceId: id });
  });
}
