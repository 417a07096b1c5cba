import { z } from 'zod';
import { defineOperation } from '../define.js';
import { elementId, messageContent } from '../message-content.js';
import { conversationToken, deleted, id, idParams, listQuery, timestamp } from '../schemas.js';

// Seed 001 "messages" (list bot, fetch bot, create guest — participants only —, update bot,
// delete admin) and seed 003's rich content (DESIGN.md "Messages"). A message is created under
// its conversation; `content` is the discriminated union of message-content.ts.

export const AUTHOR_TYPES = ['visitor', 'agent', 'bot', 'system'] as const;

/** A visitor's click on a button, reply, option or card of an earlier message of the conversation. */
export const postback = z.strictObject({ message_id: id, element_id: elementId });

export const message = z.object({
  id,
  conversation_token: z.string(),
  /** The conversation's event sequence number at which the message was posted. */
  seq: z.number().int(),
  author: z.object({ type: z.enum(AUTHOR_TYPES), id: z.string().nullable(), name: z.string().nullable() }),
  /** Null once the message is deleted. */
  content: messageContent.nullable(),
  text: z.string().describe('The plain text of the content: `text`, or the `fallback_text` of a rich variant.'),
  postback: z.object({ message_id: id, element_id: z.string() }).nullable(),
  client_message_id: z.string().nullable(),
  created_at: timestamp,
  edited_at: timestamp.nullable(),
  deleted_at: timestamp.nullable(),
});

const clientMessageId = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

export const messageOperations = {
  list: defineOperation({
    name: 'messages.list', method: 'GET', path: '/messages', role: 'bot', tag: 'messages', list: true,
    description: 'List the organization\'s messages, oldest first, by conversation, author type or time.',
    query: listQuery({
      conversation: conversationToken.optional(),
      author_type: z.enum(AUTHOR_TYPES).optional(),
      since: timestamp.optional(),
    }),
    response: message,
  }),
  fetch: defineOperation({
    name: 'messages.fetch', method: 'GET', path: '/messages/{id}', role: 'bot', tag: 'messages',
    description: 'Fetch one message.', params: idParams, response: message,
  }),
  create: defineOperation({
    name: 'messages.create', method: 'POST', path: '/conversations/{token}/messages', successStatus: 201, role: 'guest', visitor: true,
    participant: { resource: 'conversation', param: 'token', all: 'agent' }, tag: 'messages',
    description:
      'Post a message to a conversation: `content` (any variant; web views only on the organization\'s allowed hosts), or a `postback` naming ' +
      '`{message_id, element_id}` of an earlier message of the conversation (its text is the chosen title). A retried send with the same ' +
      '`client_message_id` answers the first message instead of posting twice.',
    params: z.strictObject({ token: conversationToken }),
    body: z.strictObject({ content: messageContent.optional(), postback: postback.optional(), client_message_id: clientMessageId.optional() })
      .refine((value) => (value.content === undefined) !== (value.postback === undefined), { message: 'must have exactly one of content and postback' }),
    response: message,
    bodyLimit: 64 * 1024,
  }),
  update: defineOperation({
    name: 'messages.update', method: 'PATCH', path: '/messages/{id}', role: 'bot', tag: 'messages',
    description: 'Edit a message\'s content (its author only, or an admin); `edited_at` records it.',
    params: idParams, body: z.strictObject({ content: messageContent }), response: message, bodyLimit: 64 * 1024,
  }),
  delete: defineOperation({
    name: 'messages.delete', method: 'DELETE', path: '/messages/{id}', role: 'admin', tag: 'messages',
    description: 'Delete a message: its content is erased, a tombstone with `deleted_at` stays in the history.',
    params: idParams, response: deleted,
  }),
};
