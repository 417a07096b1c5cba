import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

// History written straight into the tables at known instants, as years of chats would have left
// it: the statistics tests compare against numbers worked out by hand from these rows.

export interface ChatFixture {
  started: string;
  assignee?: string;
  group?: string;
  widget?: string;
  tags?: string[];
  /** Author and seconds after the start. */
  messages?: Array<['visitor' | 'agent' | 'bot' | 'system', number]>;
  /** Seconds after the start; absent while the chat goes on. */
  ended?: number;
  status?: 'open' | 'pending' | 'snoozed' | 'closed';
  /** Scores in the order given; the last one is current. */
  ratings?: number[];
}

const at = (start: string, seconds: number) => new Date(Date.parse(start) + seconds * 1000);
const alnum24 = () => randomUUID().replaceAll('-', '').slice(0, 24);

/**
 * Each message's `reply_seconds` as the messages service stores it: an agent or bot message after
 * one or more visitor messages, from the first of them; system messages are neither.
 */
function replySeconds(messages: NonNullable<ChatFixture['messages']>): Array<number | null> {
  let waitingSince: number | null = null;
  return messages.map(([author, seconds]) => {
    if (author === 'visitor') waitingSince ??= seconds;
    if (author !== 'agent' && author !== 'bot') return null;
    const reply = waitingSince === null ? null : seconds - waitingSince;
    waitingSince = null;
    return reply;
  });
}

/**
 * Inserts one conversation. `first_response_at` and each message's reply time are what the
 * messages service would have set: the first agent or bot message after the visitor's first
 * message; see `replySeconds`.
 */
export async function insertChat(knex: Knex, organizationId: string, chat: ChatFixture): Promise<string> {
  const messages = chat.messages ?? [];
  const firstVisitor = messages.find(([author]) => author === 'visitor');
  const response = firstVisitor && messages.find(([author, s]) => (author === 'agent' || author === 'bot') && s >= firstVisitor[1]);
  const [row] = (await knex('conversations').insert({
    organization_id: organizationId, token: `cnv_${alnum24()}`, widget_id: chat.widget ?? null, assignee_id: chat.assignee ?? null, group_id: chat.group ?? null,
    status: chat.status ?? (chat.ended === undefined ? 'open' : 'closed'), started_at: new Date(chat.started),
    first_response_at: response ? at(chat.started, response[1]) : null,
    last_message_at: messages.length > 0 ? at(chat.started, messages[messages.length - 1]![1]) : null,
    ended_at: chat.ended === undefined ? null : at(chat.started, chat.ended), end_reason: chat.ended === undefined ? null : 'resolved',
  }).returning('id')) as { id: string }[];
  const id = row!.id;
  if (messages.length > 0) {
    const replies = replySeconds(messages);
    await knex('messages').insert(messages.map(([author, seconds], index) => ({
      reply_seconds: replies[index],
      organization_id: organizationId, conversation_id: id, seq: index + 2, author_type: author, text: `${author} ${index}`,
      content: JSON.stringify({ type: 'text', text: `${author} ${index}` }), created_at: at(chat.started, seconds),
    })));
  }
  for (const [index, score] of (chat.ratings ?? []).entries()) {
    await knex('conversation_ratings').insert({ conversation_id: id, score, rated_at: at(chat.started, 3600 + index) });
  }
  for (const name of chat.tags ?? []) {
    const tag = (await knex('tags').where({ organization_id: organizationId, name }).first('id')) as { id: string } | undefined;
    const tagId = tag?.id ?? ((await knex('tags').insert({ organization_id: organizationId, name }).returning('id')) as { id: string }[])[0]!.id;
    await knex('conversation_tags').insert({ conversation_id: id, tag_id: tagId });
  }
  return id;
}

export interface TicketFixture {
  created: string;
  solved?: string;
  assignee?: string;
  group?: string;
  tags?: string[];
  sourceConversation?: string;
}

let ticketNumber = 0;

export async function insertTicket(knex: Knex, organizationId: string, ticket: TicketFixture): Promise<string> {
  const number = ++ticketNumber;
  const [row] = (await knex('tickets').insert({
    organization_id: organizationId, number, subject: 'Fixture', status: ticket.solved ? 'solved' : 'open', assignee_id: ticket.assignee ?? null,
    group_id: ticket.group ?? null, source_conversation_id: ticket.sourceConversation ?? null,
    created_at: new Date(ticket.created), updated_at: new Date(ticket.solved ?? ticket.created), solved_at: ticket.solved ? new Date(ticket.solved) : null,
  }).returning('id')) as { id: string }[];
  for (const name of ticket.tags ?? []) {
    const tag = (await knex('tags').where({ organization_id: organizationId, name }).first('id')) as { id: string };
    await knex('ticket_tags').insert({ ticket_id: row!.id, tag_id: tag.id });
  }
  return row!.id;
}

export async function insertGroup(knex: Knex, organizationId: string, name: string): Promise<string> {
  const [row] = (await knex('organization_groups').insert({ organization_id: organizationId, name }).returning('id')) as { id: string }[];
  return row!.id;
}

export async function insertWidget(knex: Knex, organizationId: string): Promise<string> {
  const [row] = (await knex('widgets').insert({
    organization_id: organizationId, client_token: `wgt_${alnum24()}`, name: 'Stats widget', allowed_origins: '[]', config: '{}',
  }).returning('id')) as { id: string }[];
  return row!.id;
}
