import type { Knex } from 'knex';
import type { z } from 'zod';
import { fieldRefused } from '../../contract/field-errors.js';
import type { ticketMessageOperations } from '../../contract/operations/tickets.js';
import { REOPENED_BY_REQUESTER } from '../../domain/ticket-status.js';
import { isActiveMember } from '../conversations/queries.js';
import type { Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { presentTicket, presentTicketMessage } from './present.js';
import { findTicket, insertTicketMessage, lockTicket, tagIdsOfTicket, updateTicketRow, type LockedTicket, type TicketRow } from './queries.js';
import { recordTicketChange, type HistoryEntry } from './record.js';
import { callerAuthor, insertNewTicket, type FirstMessage } from './service.js';
import { statusColumns } from './status.js';

type MessageBody = z.output<typeof ticketMessageOperations.create.body>;
type MessageResult = z.output<typeof ticketMessageOperations.create.response>;

/** Who a message is by: the caller, or the ticket's requester (a contact or a visitor). */
function authorOf(caller: Caller, ticket: LockedTicket, body: MessageBody): Omit<FirstMessage, 'text'> {
  if (body.author === 'caller') return callerAuthor(caller);
  if (!body.public) throw fieldRefused('public', 'a requester\'s reply is always public');
  if (ticket.requester_contact_id !== null) return { author_type: 'contact', author_id: ticket.requester_contact_id };
  if (ticket.requester_visitor_id !== null) return { author_type: 'visitor', author_id: ticket.requester_visitor_id };
  throw fieldRefused('author', 'the ticket has no requester');
}

/**
 * Seed 002 "Add message to ticket": a public reply or an internal note. A requester's reply
 * reopens a `pending`, `on_hold` or `solved` ticket (DESIGN.md). A `closed` ticket is final: the
 * message opens a follow-up ticket linked to it, with its subject, priority, requester,
 * assignee, group and tags, and the answer says so (`follow_up: true`, `ticket` is the new one).
 */
export async function postTicketMessage(knex: Knex, caller: Caller, id: string, body: MessageBody): Promise<MessageResult> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const current = await lockTicket(trx, org, id);
    if (!current) throw notFound('ticket');
    const author = authorOf(caller, current, body);
    if (current.status === 'closed') return followUp(trx, caller, (await findTicket(trx, org, id))!, { text: body.text, ...author }, body.public);

    const message = await insertTicketMessage(trx, { organization_id: org, ticket_id: id, text: body.text, public: body.public, ...author });
    const added = { message_id: message.id, public: message.public, author_type: message.author_type };
    const history: HistoryEntry[] = [{ type: 'message_added', changes: added }];
    const reopens = body.author === 'requester' && REOPENED_BY_REQUESTER.includes(current.status);
    const status = { from: current.status, to: 'open' as const };
    if (reopens) history.push({ type: 'status_changed', changes: { status } });
    await updateTicketRow(trx, id, reopens ? statusColumns(trx, current.status, 'open') : {});
    const row = await recordTicketChange(trx, caller, {
      ticketId: id, action: 'tickets.messages.create', history,
      events: reopens ? ['ticket.updated', 'ticket.status_changed'] : ['ticket.updated'],
      changes: reopens ? { message: added, status } : { message: added },
    });
    return { ...presentTicketMessage(message), ticket: presentTicket(row), follow_up: false };
  });
}

async function followUp(trx: Knex, caller: Caller, closed: TicketRow, message: FirstMessage, isPublic: boolean): Promise<MessageResult> {
  // The closed ticket's assignee may have left the organization since.
  const assignee = closed.assignee_id !== null && (await isActiveMember(trx, caller.identity.org, closed.assignee_id)) ? closed.assignee_id : null;
  const { id, history, message: row } = await insertNewTicket(trx, caller, {
    subject: closed.subject, priority: closed.priority, requester_contact_id: closed.requester_contact_id, requester_visitor_id: closed.requester_visitor_id,
    assignee_id: assignee, group_id: closed.group_id, source_conversation_id: closed.source_conversation_id, follow_up_of: closed.id,
    tagIds: await tagIdsOfTicket(trx, closed.id),
  }, message, isPublic);
  const ticket = await recordTicketChange(trx, caller, {
    ticketId: id, action: 'tickets.messages.create', history, events: ['ticket.created'], changes: { follow_up_of: closed.id, message_id: row!.id },
  });
  return { ...presentTicketMessage(row!), ticket: presentTicket(ticket), follow_up: true };
}
