import type { Knex } from 'knex';
import type { z } from 'zod';
import type { ticket, ticketDetails, ticketEvent, ticketMessage } from '../../contract/operations/tickets.js';
import { findAssignee } from '../conversations/queries.js';
import { iso } from '../shared/crud.js';
import { latestTicketMessages, type TicketEventRow, type TicketMessageRow, type TicketRow } from './queries.js';

export type TicketData = z.output<typeof ticket>;
export type TicketDetailsData = z.output<typeof ticketDetails>;
type TicketMessageData = z.output<typeof ticketMessage>;
type TicketEventData = z.output<typeof ticketEvent>;

/** Seed 002 "Get a ticket": its latest messages; older ones are in `/tickets/{id}/messages`. */
export const LATEST_TICKET_MESSAGES = 50;

function requesterOf(row: TicketRow): TicketData['requester'] {
  if (row.requester_contact_id !== null) return { type: 'contact', id: row.requester_contact_id, name: row.contact_name ?? '', email: row.contact_email };
  if (row.requester_visitor_id !== null) return { type: 'visitor', token: row.visitor_token ?? '', name: row.visitor_name, email: row.visitor_email };
  return null;
}

/** The ticket as the API answers it, and as its events carry it. */
export function presentTicket(row: TicketRow): TicketData {
  return {
    id: row.id,
    organization_id: row.organization_id,
    number: Number(row.number),
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    requester: requesterOf(row),
    assignee_id: row.assignee_id,
    group_id: row.group_id,
    tags: row.tags,
    source_conversation_token: row.source_conversation_token,
    follow_up_of: row.follow_up_of,
    solved_at: iso(row.solved_at),
    closed_at: iso(row.closed_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function presentTicketMessage(row: TicketMessageRow): TicketMessageData {
  return {
    id: row.id,
    ticket_id: row.ticket_id,
    author: { type: row.author_type, id: row.author_id },
    text: row.text,
    public: row.public,
    created_at: row.created_at.toISOString(),
  };
}

export function presentTicketEvent(row: TicketEventRow): TicketEventData {
  return {
    id: row.id,
    ticket_id: row.ticket_id,
    type: row.type,
    actor: { type: row.actor_type, id: row.actor_id },
    changes: row.changes,
    created_at: row.created_at.toISOString(),
  };
}

/** Seed 002 `GET /tickets/{id}`: the ticket with its assigned user and latest messages. */
export async function presentTicketDetails(knex: Knex, row: TicketRow): Promise<TicketDetailsData> {
  const messages = await latestTicketMessages(knex, row.id, LATEST_TICKET_MESSAGES);
  const assignee = row.assignee_id === null ? undefined : await findAssignee(knex, row.assignee_id);
  return { ...presentTicket(row), assignee: assignee ?? null, messages: messages.map(presentTicketMessage) };
}
