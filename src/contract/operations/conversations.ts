import { z } from 'zod';
import { defineOperation } from '../define.js';
import { messageContent } from '../message-content.js';
import { clientToken, conversationToken, deletedToken, id, listQuery, nullableText, pageQuery, text, timestamp, visitorToken } from '../schemas.js';
import { message } from './messages.js';
import { visitor } from './visitors.js';
import { locale } from './widgets.js';

// Seed 002 "Conversations", seed 001's conversation rows, seed 000 "conversation history" and
// "chats" lists (DESIGN.md "Conversations"). Addressed by a public token. "Guest" rows reach only
// conversations the caller takes part in: its visitor, or a user who takes part (participant
// rule, checked by the resource API); agents and up reach all of their organization's.

export const conversationParams = z.strictObject({ token: conversationToken });
const participant = { resource: 'conversation', param: 'token', all: 'agent' } as const;

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'closed'] as const;
export const END_REASONS = ['resolved', 'visitor_left', 'agent_closed', 'inactive', 'spam'] as const;

const tagName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lowercase letters, digits, _ or -');

/** A tag with its label in the caller's language (`Accept-Language` or `locale`). */
export const conversationTag = z.object({ name: z.string(), label: z.string() });

export const rating = z.object({ score: z.number().int(), comment: z.string().nullable(), rated_at: timestamp });

export const conversation = z.object({
  token: z.string(),
  organization_id: id,
  widget_client_token: z.string().nullable(),
  visitor_token: z.string().nullable(),
  assignee_id: id.nullable(),
  group_id: id.nullable(),
  status: z.enum(CONVERSATION_STATUSES),
  subject: z.string().nullable(),
  summary: z.string().nullable(),
  tags: z.array(conversationTag),
  rating: rating.nullable(),
  started_at: timestamp,
  first_response_at: timestamp.nullable(),
  last_message_at: timestamp.nullable(),
  ended_at: timestamp.nullable(),
  end_reason: z.enum(END_REASONS).nullable(),
  /** The sequence number of the conversation's latest event (SSE `id`). */
  last_event_seq: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
});

/** `GET /conversations/{token}` (seed 002): the conversation with its latest messages and visitor. */
export const conversationDetails = conversation.extend({
  messages: z.array(message),
  visitor: visitor.nullable(),
  assignee: z.object({ id, name: z.string(), email: z.string() }).nullable(),
  ratings: z.array(rating),
});

const localeQuery = { locale: locale.optional() };

export const conversationOperations = {
  list: defineOperation({
    name: 'conversations.list', method: 'GET', path: '/conversations', role: 'agent', tag: 'conversations', list: true,
    description: 'List the organization\'s conversations (chats), newest first (by `started_at`, a stable keyset), filtered by status, assignee, group, tag, visitor, widget and start date.',
    query: listQuery({
      status: z.enum(CONVERSATION_STATUSES).optional(),
      assignee_id: z.union([id, z.literal('none')]).optional(),
      group_id: id.optional(),
      tag: tagName.optional(),
      visitor: visitorToken.optional(),
      widget: clientToken.optional(),
      started_after: timestamp.optional(),
      started_before: timestamp.optional(),
      ...localeQuery,
    }),
    response: conversation,
  }),
  create: defineOperation({
    name: 'conversations.create', method: 'POST', path: '/conversations', successStatus: 201, role: 'agent', visitor: true, tag: 'conversations',
    description: 'Start a conversation. A visitor session starts its own (on its widget); an agent names the visitor, or none. An optional first `message` is posted with it.',
    body: z.strictObject({
      visitor_token: visitorToken.optional(),
      subject: nullableText(200).optional(),
      group_id: id.optional(),
      message: z.strictObject({ content: messageContent, client_message_id: z.string().min(1).max(64).optional() }).optional(),
    }),
    response: conversationDetails,
  }),
  fetch: defineOperation({
    name: 'conversations.fetch', method: 'GET', path: '/conversations/{token}', role: 'guest', visitor: true, participant, tag: 'conversations',
    description: 'A conversation with its latest messages (up to 50), visitor, assigned user, summary, ratings and tags in the caller\'s language (`locale`, else `Accept-Language`).',
    params: conversationParams, query: z.strictObject(localeQuery), response: conversationDetails,
  }),
  history: defineOperation({
    name: 'conversations.history', method: 'GET', path: '/conversations/{token}/messages', role: 'guest', visitor: true, participant, tag: 'conversations', list: true,
    description: 'The messages of a conversation, oldest first, paged with `cursor`, or those `after` / `before` a sequence number.',
    params: conversationParams,
    query: z.strictObject({
      ...pageQuery,
      after: z.coerce.number({ error: 'must be a number' }).int().min(0).optional(),
      before: z.coerce.number({ error: 'must be a number' }).int().min(1).optional(),
    }),
    response: message,
  }),
  update: defineOperation({
    name: 'conversations.update', method: 'PATCH', path: '/conversations/{token}', role: 'admin', tag: 'conversations',
    description:
      'Assign (an active member of the organization), move to a group, replace the tags (names of existing tags), change the status, subject or summary. ' +
      '`status: closed` ends the conversation and needs an `end_reason`; `end_reason` is refused on a conversation that stays open; another status reopens a closed one.',
    params: conversationParams,
    body: z.strictObject({
      assignee_id: id.nullable().optional(),
      group_id: id.nullable().optional(),
      status: z.enum(CONVERSATION_STATUSES).optional(),
      end_reason: z.enum(END_REASONS).optional(),
      subject: nullableText(200).optional(),
      summary: nullableText(2000).optional(),
      tags: z.array(tagName).max(20, 'must have at most 20 items').optional(),
    }).refine((value) => Object.keys(value).length > 0, { message: 'must set at least one field' }),
    // The same answer as fetch and create: the assignee's name and the localized tags come with it.
    response: conversationDetails,
  }),
  transfer: defineOperation({
    name: 'conversations.transfer', method: 'POST', path: '/conversations/{token}/transfer', role: 'agent', tag: 'conversations',
    description:
      'Hand a conversation over (agents and bots; assigning in general is `PATCH`, an admin\'s): to a person, `assignee_id`, an active member of the organization ' +
      'with role agent or above who is not a bot (else 400 naming `assignee_id`), and/or to a group, `group_id`. A transfer to a group alone leaves the conversation ' +
      'unassigned in that group; one to a person alone keeps its group. A closed conversation cannot be transferred (409). Recorded as `conversations.transfer`.',
    params: conversationParams,
    body: z.strictObject({ assignee_id: id.optional(), group_id: id.optional() })
      .refine((value) => value.assignee_id !== undefined || value.group_id !== undefined, { message: 'must set assignee_id, group_id or both' }),
    response: conversationDetails,
  }),
  rate: defineOperation({
    name: 'conversations.rate', method: 'POST', path: '/conversations/{token}/rate', role: 'guest', visitor: true, participant, tag: 'conversations',
    description: 'Rate a conversation 1-5 with an optional comment. A new rating overwrites the current one; earlier ones stay in `ratings`.',
    params: conversationParams,
    body: z.strictObject({
      score: z.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(5, 'must be at most 5'),
      comment: nullableText(1000).optional(),
    }),
    response: conversation,
  }),
  delete: defineOperation({
    name: 'conversations.delete', method: 'DELETE', path: '/conversations/{token}', role: 'admin', tag: 'conversations',
    description: 'Delete a conversation with its messages.', params: conversationParams, response: deletedToken,
  }),
};

export const tag = z.object({ id, name: z.string(), labels: z.record(z.string(), z.string()), created_at: timestamp, updated_at: timestamp });
const tagFields = { name: tagName, labels: z.record(locale, text(60)).refine((v) => Object.keys(v).length <= 30, { message: 'must have at most 30 locales' }).default({}) };

export const tagOperations = {
  list: defineOperation({
    name: 'tags.list', method: 'GET', path: '/tags', role: 'agent', tag: 'conversations', list: true,
    description: 'The organization\'s conversation tags with their labels per language.', query: listQuery({}), response: tag,
  }),
  fetch: defineOperation({
    name: 'tags.fetch', method: 'GET', path: '/tags/{id}', role: 'agent', tag: 'conversations',
    description: 'One conversation tag with its labels per language.', params: z.strictObject({ id }), response: tag,
  }),
  create: defineOperation({
    name: 'tags.create', method: 'POST', path: '/tags', successStatus: 201, role: 'admin', tag: 'conversations',
    description: 'Create a tag; `labels` maps a language to the label shown in it (the name is shown where none fits).',
    body: z.strictObject(tagFields), response: tag,
  }),
  update: defineOperation({
    name: 'tags.update', method: 'PATCH', path: '/tags/{id}', role: 'admin', tag: 'conversations',
    description: 'Rename a tag or change its labels.', params: z.strictObject({ id }),
    body: z.strictObject({ name: tagName.optional(), labels: z.record(locale, text(60)).optional() }).refine((v) => Object.keys(v).length > 0, { message: 'must set at least one field' }),
    response: tag,
  }),
  delete: defineOperation({
    name: 'tags.delete', method: 'DELETE', path: '/tags/{id}', role: 'admin', tag: 'conversations',
    description: 'Delete a tag; conversations lose it.', params: z.strictObject({ id }),
    response: z.object({ id, deleted: z.literal(true) }),
  }),
};

/**
 * Live events as Server-Sent Events (DESIGN.md "Real-time"): `event:` is the type, `id:` the
 * sequence number (per conversation, or the organization's position for `/events`), `data:` the
 * envelope. `Last-Event-ID` resumes after that id. The response is a stream, not JSON.
 */
export const eventStreamOperations = {
  conversation: defineOperation({
    name: 'conversations.events', method: 'GET', path: '/conversations/{token}/events', role: 'guest', visitor: true, participant, tag: 'conversations',
    stream: true, cost: 1,
    description: 'Follow a conversation live (text/event-stream): every event of it, resumable with `Last-Event-ID`; a heartbeat comment every 15 s.',
    params: conversationParams, query: z.strictObject({ after: z.coerce.number().int().min(0).optional() }),
  }),
  organization: defineOperation({
    name: 'events.stream', method: 'GET', path: '/events', role: 'agent', tag: 'conversations', stream: true, cost: 1,
    description: 'Follow the organization\'s new conversations and messages live (text/event-stream), resumable with `Last-Event-ID`.',
    query: z.strictObject({ after: z.coerce.number().int().min(0).optional() }),
  }),
};
