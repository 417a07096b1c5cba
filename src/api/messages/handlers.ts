import { messageOperations } from '../../contract/operations/messages.js';
import { AppError } from '../../shared/errors.js';
import { lockConversation } from '../conversations/queries.js';
import { callerOf, deletedResult, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { presentMessage } from './present.js';
import { findMessage, listMessages } from './queries.js';
import { deleteMessage, postMessage, updateMessage } from './service.js';

// Seed 001 "messages" and seed 003's rich content. Creating one is nested under its conversation
// (the participant rule ran before: a guest user or visitor only posts where it takes part).

export const messageHandlers = implement(messageOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const { limit, cursor, ...filters } = input.query;
    const page = await listMessages(input.knex, identity.org, filters, { limit, cursor });
    return { data: page.rows.map(presentMessage), next_cursor: page.nextCursor };
  },
  async fetch(input) {
    const row = await findMessage(input.knex, callerOf(input).identity.org, input.params.id);
    if (!row) throw notFound('message');
    return { data: presentMessage(row) };
  },
  async create(input) {
    const caller = callerOf(input);
    const posted = await input.knex.transaction(async (trx) => {
      const conversation = await lockConversation(trx, caller.identity.org, input.params.token);
      if (!conversation) throw new AppError('not_found', 'No such conversation.');
      return postMessage(trx, caller, conversation, input.body);
    });
    // A replayed send answers exactly as the first did (201, the same message), marked the way
    // Stripe marks a replayed idempotent request.
    return { data: posted.message, ...(posted.replayed ? { headers: { 'Idempotent-Replayed': 'true' } } : {}) };
  },
  async update(input) {
    return { data: await updateMessage(input.knex, callerOf(input), input.params.id, input.body.content) };
  },
  async delete(input) {
    await deleteMessage(input.knex, callerOf(input), input.params.id);
    return deletedResult(input.params.id);
  },
});
