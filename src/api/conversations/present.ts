import type { Knex } from 'knex';
import type { z } from 'zod';
import type { conversation, conversationDetails } from '../../contract/operations/conversations.js';
import { presentMessage } from '../messages/present.js';
import { latestMessages } from '../messages/queries.js';
import { iso } from '../shared/crud.js';
import { localizedLabel } from './locale.js';
import { findAssignee, ratingsOf, type ConversationRow } from './queries.js';
import { findVisitor, presentVisitor } from './visitor.js';

export type ConversationData = z.output<typeof conversation>;
export type ConversationDetailsData = z.output<typeof conversationDetails>;

/** Seed 002: "the latest messages" of a conversation's details; older ones are in its history. */
export const LATEST_MESSAGES = 50;

/** The conversation as the API answers it, its tags labelled for `locales` (best first). */
export function presentConversation(row: ConversationRow, locales: readonly string[]): ConversationData {
  return {
    token: row.token,
    organization_id: row.organization_id,
    widget_client_token: row.widget_client_token,
    visitor_token: row.visitor_token,
    assignee_id: row.assignee_id,
    group_id: row.group_id,
    status: row.status,
    subject: row.subject,
    summary: row.summary,
    tags: row.tags.map((tag) => ({ name: tag.name, label: localizedLabel(tag.name, tag.labels, locales) })),
    rating: row.rating,
    started_at: row.started_at.toISOString(),
    first_response_at: iso(row.first_response_at),
    last_message_at: iso(row.last_message_at),
    ended_at: iso(row.ended_at),
    end_reason: row.end_reason,
    last_event_seq: Number(row.last_event_seq),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * Seed 002 `GET /conversations/{token}`: the conversation with its latest messages (oldest
 * first), its visitor, the assigned user, and every rating it was given.
 */
export async function presentDetails(knex: Knex, row: ConversationRow, locales: readonly string[]): Promise<ConversationDetailsData> {
  // One after the other: inside a transaction they share one connection anyway.
  const messages = await latestMessages(knex, row.id, LATEST_MESSAGES);
  const visitor = row.visitor_id === null ? undefined : await findVisitor(knex, row.organization_id, { id: row.visitor_id });
  const assignee = row.assignee_id === null ? undefined : await findAssignee(knex, row.assignee_id);
  const ratings = await ratingsOf(knex, row.id);
  return {
    ...presentConversation(row, locales),
    messages: messages.map(presentMessage),
    visitor: visitor ? presentVisitor(visitor) : null,
    assignee: assignee ?? null,
    ratings: ratings.filter((rating) => rating !== null),
  };
}
