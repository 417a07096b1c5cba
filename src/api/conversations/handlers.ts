import { conversationOperations } from '../../contract/operations/conversations.js';
import { callerOf, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { conversationHistory } from './history.js';
import { preferredLocales } from './locale.js';
import { presentConversation, presentDetails } from './present.js';
import { findConversation, listConversations } from './queries.js';
import { createConversation, rateConversation, removeConversation, updateConversation } from './service.js';
import { transferConversation } from './transfer.js';

// Seed 002 "Conversations", seed 001's conversation rows, seed 000 "conversation history". The
// participant rule (a guest user or a visitor reaches only its own conversations) was enforced
// before these run (api/pipeline/enforce-access.ts); every query here still carries the
// organization.

export const conversationHandlers = implement(conversationOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const { limit, cursor, locale, ...filters } = input.query;
    const page = await listConversations(input.knex, identity.org, filters, { limit, cursor });
    const locales = preferredLocales(locale, input.headers['accept-language']);
    return { data: page.rows.map((row) => presentConversation(row, locales)), next_cursor: page.nextCursor };
  },
  async create(input) {
    const locales = preferredLocales(undefined, input.headers['accept-language']);
    return { data: await createConversation(input.knex, callerOf(input), input.body, locales) };
  },
  async fetch(input) {
    const { identity } = callerOf(input);
    const row = await findConversation(input.knex, identity.org, { token: input.params.token });
    if (!row) throw notFound('conversation');
    return { data: await presentDetails(input.knex, row, preferredLocales(input.query.locale, input.headers['accept-language'])) };
  },
  async history(input) {
    const { identity } = callerOf(input);
    const row = await findConversation(input.knex, identity.org, { token: input.params.token });
    if (!row) throw notFound('conversation');
    return conversationHistory(input.knex, row.id, input.query);
  },
  async update(input) {
    const locales = preferredLocales(undefined, input.headers['accept-language']);
    return { data: await updateConversation(input.knex, callerOf(input), input.params.token, input.body, locales) };
  },
  async transfer(input) {
    const locales = preferredLocales(undefined, input.headers['accept-language']);
    return { data: await transferConversation(input.knex, callerOf(input), input.params.token, input.body, locales) };
  },
  async rate(input) {
    const locales = preferredLocales(undefined, input.headers['accept-language']);
    return { data: await rateConversation(input.knex, callerOf(input), input.params.token, input.body, locales) };
  },
  async delete(input) {
    await removeConversation(input.knex, callerOf(input), input.params.token);
    return { data: { token: input.params.token, deleted: true as const } };
  },
});
