import { z } from 'zod';
import { defineOperation } from '../define.js';
import { conversationToken, deleted, id, idParams, listQuery, pageQuery, text, timestamp, visitorToken } from '../schemas.js';

// Seed 002 "Tickets" (paths as written), DESIGN.md "Tickets" and its matrix row (agent; delete
// admin, seed 001 "Delete other resource"). The rules of the status live in
// domain/ticket-status.ts; the statuses and priorities are named here once.

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

const tagName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lowercase letters, digits, _ or -');
const subject = text(200);
const messageText = text(10_000);
/** A requester is a contact (by id) or a visitor (by token); the shape tells which. */
const requesterRef = z.union([id, visitorToken], { error: 'must be a contact id or a visitor token' });

export const ticketRequester = z.union([
  z.object({ type: z.literal('contact'), id, name: z.string(), email: z.string().nullable() }),
  z.object({ type: z.literal('visitor'), token: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
]);

export const ticket = z.object({
  id,
  organization_id: id,
  /** Per organization, from 1, never reused. */
  number: z.number().int(),
  subject: z.string(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES),
  requester: ticketRequester.nullable(),
  assignee_id: id.nullable(),
  group_id: id.nullable(),
  tags: z.array(z.string()),
  /** The conversation the ticket was made from (its public token). */
  source_conversation_token: z.string().nullable(),
  /** The closed ticket this one follows up. */
  follow_up_of: id.nullable(),
  solved_at: timestamp.nullable(),
  closed_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const TICKET_AUTHOR_TYPES = ['user', 'api_key', 'client', 'contact', 'visitor', 'system'] as const;

export const ticketMessage = z.object({
  id,
  ticket_id: id,
  author: z.object({ type: z.enum(TICKET_AUTHOR_TYPES), id: z.string().nullable() }),
  text: z.string(),
  /** A public reply the requester sees, or an internal note. */
  public: z.boolean(),
  created_at: timestamp,
});

export const TICKET_EVENT_TYPES = ['created', 'updated', 'status_changed', 'message_added'] as const;

export const ticketEvent = z.object({
  id,
  ticket_id: id,
  type: z.enum(TICKET_EVENT_TYPES),
  actor: z.object({ type: z.string(), id: z.string() }),
  /** `updated`: `{field: {from, to}}`; `status_changed`: `{status: {from, to}}`; `message_added`: the message's id and visibility. */
  changes: z.record(z.string(), z.unknown()).nullable(),
  created_at: timestamp,
});

/** `GET /tickets/{id}`: the ticket with its assignee and latest messages. */
export const ticketDetails = ticket.extend({
  assignee: z.object({ id, name: z.string(), email: z.string() }).nullable(),
  messages: z.array(ticketMessage),
});

/** The message and the ticket it landed on: a follow-up when the addressed ticket was closed. */
export const ticketMessageResult = ticketMessage.extend({
  ticket,
  /** True when the addressed ticket was closed and this message opened a follow-up (`ticket`). */
  follow_up: z.boolean(),
});

const statuses = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',') : value),
  z.array(z.enum(TICKET_STATUSES, { error: `must be one or more of ${TICKET_STATUSES.join(', ')}, comma-separated` })).min(1).max(TICKET_STATUSES.length),
);

const editable = {
  subject,
  priority: z.enum(TICKET_PRIORITIES),
  requester: requesterRef.nullable(),
  assignee_id: id.nullable(),
  group_id: id.nullable(),
  tags: z.array(tagName).max(20, 'must have at most 20 items'),
};

export const ticketOperations = {
  list: defineOperation({
    name: 'tickets.list', method: 'GET', path: '/tickets', role: 'agent', tag: 'tickets', list: true,
    description:
      'The organization\'s tickets, newest first (a keyset on creation, stable while tickets are added), filtered by `status` (one or several, comma-separated), ' +
      '`priority`, `assignee_id` (or `none`), `requester` (a contact id or a visitor token), `group_id`, `tag`, creation and update ranges, and `q` (words in the subject, any case).',
    query: listQuery({
      status: statuses.optional(),
      priority: z.enum(TICKET_PRIORITIES).optional(),
      assignee_id: z.union([id, z.literal('none')], { error: 'must be a user id or none' }).optional(),
      requester: requesterRef.optional(),
      group_id: id.optional(),
      tag: tagName.optional(),
      created_after: timestamp.optional(),
      created_before: timestamp.optional(),
      updated_after: timestamp.optional(),
      updated_before: timestamp.optional(),
      q: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    }),
    response: ticket,
  }),
  create: defineOperation({
    name: 'tickets.create', method: 'POST', path: '/tickets', successStatus: 201, role: 'agent', tag: 'tickets',
    description:
      'Open a ticket, numbered per organization. Status `new`, or `open` when it has an assignee. From a conversation (`conversation_token`) the subject, ' +
      'first message and requester default to the conversation\'s. The optional `message` is its first public message, by the caller.',
    body: z.strictObject({
      subject: subject.optional(),
      message: messageText.optional(),
      priority: editable.priority.optional(),
      requester: requesterRef.optional(),
      assignee_id: id.optional(),
      group_id: id.optional(),
      tags: editable.tags.optional(),
      conversation_token: conversationToken.optional(),
    }).refine((body) => body.subject !== undefined || body.conversation_token !== undefined, { message: 'subject: is required (unless made from a conversation_token)', path: ['subject'] }),
    response: ticketDetails,
  }),
  fetch: defineOperation({
    name: 'tickets.fetch', method: 'GET', path: '/tickets/{id}', role: 'agent', tag: 'tickets',
    description: 'A ticket with its tags, requester, assignee and latest messages (up to 50, oldest first).',
    params: idParams, response: ticketDetails,
  }),
  update: defineOperation({
    name: 'tickets.update', method: 'PATCH', path: '/tickets/{id}', role: 'agent', tag: 'tickets',
    description:
      'Change only the given fields: subject, priority, requester, assignee (an active member; assigning a `new` ticket opens it), group, tags (names of existing tags, replacing the set). ' +
      'The status changes through `/tickets/{id}/status`; a closed ticket no longer changes.',
    params: idParams,
    body: z.strictObject({
      subject: editable.subject.optional(),
      priority: editable.priority.optional(),
      requester: editable.requester.optional(),
      assignee_id: editable.assignee_id.optional(),
      group_id: editable.group_id.optional(),
      tags: editable.tags.optional(),
    }).refine((value) => Object.keys(value).length > 0, { message: 'must set at least one field' }),
    response: ticketDetails,
  }),
  delete: defineOperation({
    name: 'tickets.delete', method: 'DELETE', path: '/tickets/{id}', role: 'admin', tag: 'tickets',
    description: 'Delete a ticket with its messages and events, permanently.', params: idParams, response: deleted,
  }),
};

const statusBody = z.strictObject({ status: z.enum(TICKET_STATUSES, { error: `must be one of ${TICKET_STATUSES.join(', ')}` }) });
const statusDescription =
  'Move the ticket to `status`. Never back to `new`; `solved` needs an assignee (409 `assignee_required`); `closed` only from `solved` and final. ' +
  'A refused move is 409 `invalid_transition` with `details.allowed`, the statuses allowed from the current one. Setting the current status changes nothing.';

/** Seed 002 "Update ticket status": `PUT` and `PATCH` mean the same, so both are rows. */
export const ticketStatusOperations = {
  put: defineOperation({
    name: 'tickets.setStatus', method: 'PUT', path: '/tickets/{id}/status', role: 'agent', tag: 'tickets',
    description: statusDescription, params: idParams, body: statusBody, response: ticketDetails,
  }),
  patch: defineOperation({
    name: 'tickets.status', method: 'PATCH', path: '/tickets/{id}/status', role: 'agent', tag: 'tickets',
    description: statusDescription, params: idParams, body: statusBody, response: ticketDetails,
  }),
};

export const ticketMessageOperations = {
  create: defineOperation({
    name: 'tickets.messages.create', method: 'POST', path: '/tickets/{id}/messages', successStatus: 201, role: 'agent', tag: 'tickets',
    description:
      'Add a public reply (default) or an internal note (`public: false`). `author: requester` records the requester\'s own reply (an email or form integration), ' +
      'which reopens a `pending`, `on_hold` or `solved` ticket. On a `closed` ticket the message opens a follow-up ticket linked by `follow_up_of`: the answer\'s `ticket` is it and `follow_up` is true.',
    params: idParams,
    body: z.strictObject({
      text: messageText,
      public: z.boolean().default(true),
      author: z.enum(['caller', 'requester']).default('caller'),
    }),
    response: ticketMessageResult,
  }),
  list: defineOperation({
    name: 'tickets.messages.list', method: 'GET', path: '/tickets/{id}/messages', role: 'agent', tag: 'tickets', list: true,
    description: 'The ticket\'s messages, public replies and internal notes, oldest first.',
    params: idParams, query: z.strictObject(pageQuery), response: ticketMessage,
  }),
  events: defineOperation({
    name: 'tickets.events.list', method: 'GET', path: '/tickets/{id}/events', role: 'agent', tag: 'tickets', list: true,
    description: 'The ticket\'s history, oldest first: one row per change (created, updated with the changed fields, status changed from/to, message added).',
    params: idParams, query: z.strictObject(pageQuery), response: ticketEvent,
  }),
};
