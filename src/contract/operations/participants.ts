import { z } from 'zod';
import { defineOperation } from '../define.js';
import { conversationToken, deleted, id, pageQuery, role, timestamp } from '../schemas.js';

// The users who take part in a conversation besides its assignee (DESIGN.md "Conversations":
// seed 001's "guest" rows reach only conversations the caller takes part in). Agents and up reach
// every conversation of their organization already; adding a guest user here lets it read and
// write in this one conversation and nothing else.

const conversationParams = z.strictObject({ token: conversationToken });

export const participant = z.object({
  user_id: id,
  name: z.string(),
  email: z.string(),
  /** The user's role in the organization. */
  role,
  added_at: timestamp,
});

export const participantOperations = {
  list: defineOperation({
    name: 'conversations.participants.list', method: 'GET', path: '/conversations/{token}/participants', role: 'agent', tag: 'conversations', list: true,
    description: 'The users added to a conversation, in the order they were added (its assignee takes part without being listed).',
    params: conversationParams, query: z.strictObject(pageQuery), response: participant,
  }),
  add: defineOperation({
    name: 'conversations.participants.add', method: 'POST', path: '/conversations/{token}/participants', successStatus: 201, role: 'agent', tag: 'conversations',
    description:
      'Add a user to a conversation: an active member of the organization (else 400 naming `user_id`; 409 if it takes part already). ' +
      'A guest user can then read the conversation, its messages and events, post and rate in it, and reach no other.',
    params: conversationParams, body: z.strictObject({ user_id: id }), response: participant,
  }),
  remove: defineOperation({
    name: 'conversations.participants.remove', method: 'DELETE', path: '/conversations/{token}/participants/{userId}', role: 'agent', tag: 'conversations',
    description: 'Take a user out of a conversation: from then on a guest user gets 404 for it again, and an event stream of it it still has open ends at the next event instead of carrying it.',
    params: z.strictObject({ token: conversationToken, userId: id }), response: deleted,
  }),
};
