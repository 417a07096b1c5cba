import type { Knex } from 'knex';
import type { AUTHOR_TYPES } from '../../contract/operations/messages.js';
import type { MessageContent } from '../../contract/message-content.js';
import { withDbErrors } from '../../db/errors.js';
import { jsonb, paginate, timeAfterSiblings, type Page, type PageRequest } from '../shared/queries.js';

// The SQL of messages. Every query carries the organization (directly, or through a conversation
// row already found in it).

export type AuthorType = (typeof AUTHOR_TYPES)[number];

export interface MessageRow {
  id: string;
  organization_id: string;
  conversation_id: string;
  conversation_token: string;
  /** bigint: a string from `pg`, a number from PGlite. */
  seq: number | string;
  author_type: AuthorType;
  author_id: string | null;
  /** The author as clients know it: a user's or client's id, a visitor's public token. */
  author_public_id: string | null;
  author_name: string | null;
  content: MessageContent | null;
  text: string;
  postback: { message_id: string; element_id: string } | null;
  client_message_id: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
}

const uuidPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const uuidShape = new RegExp(uuidPattern, 'i');
const uuidGuard = (column: string) => `(case when ${column} ~* '${uuidPattern}' then ${column}::uuid end)`;

function selectMessages(knex: Knex): Knex.QueryBuilder {
  // author_id is text: a user or visitor uuid, or a service client's id. The guard keeps a client
  // id from ever being cast, and lets the uuid joins use their primary keys.
  return knex('messages as m')
    .join('conversations as c', 'c.id', 'm.conversation_id')
    .leftJoin('users as u', (j) => j.on(knex.raw(`m.author_type in ('agent', 'bot')`)).andOn('u.id', '=', knex.raw(uuidGuard('m.author_id'))))
    .leftJoin('visitors as av', (j) => j.on(knex.raw(`m.author_type = 'visitor'`)).andOn('av.id', '=', knex.raw(uuidGuard('m.author_id'))))
    .leftJoin('oauth_clients as oc', (j) => j.on(knex.raw(`m.author_type = 'bot'`)).andOn('oc.id', '=', 'm.author_id'))
    .select('m.*', 'c.token as conversation_token')
    .select(knex.raw(`case when m.author_type = 'visitor' then av.token else m.author_id end as author_public_id`))
    .select(knex.raw('coalesce(u.name, av.name, oc.name) as author_name'));
}

export async function findMessage(knex: Knex, organizationId: string, id: string): Promise<MessageRow | undefined> {
  return (await selectMessages(knex).where({ 'm.organization_id': organizationId, 'm.id': id }).first()) as MessageRow | undefined;
}

/** The `limit` latest messages of a conversation, oldest first (seed 002's conversation details). */
export async function latestMessages(knex: Knex, conversationId: string, limit: number): Promise<MessageRow[]> {
  const rows = (await selectMessages(knex).where('m.conversation_id', conversationId).orderBy('m.seq', 'desc').limit(limit)) as MessageRow[];
  return rows.reverse();
}

/**
 * A conversation's messages in posting order, keyed by their sequence number: those after
 * `afterSeq` and before `beforeSeq`, `limit` of them, one more read to know whether more exist.
 */
export async function messagesBySeq(knex: Knex, conversationId: string, range: { afterSeq: number; beforeSeq?: number | undefined; limit: number }): Promise<{ rows: MessageRow[]; more: boolean }> {
  const builder = selectMessages(knex).where('m.conversation_id', conversationId).where('m.seq', '>', range.afterSeq);
  if (range.beforeSeq !== undefined) builder.where('m.seq', '<', range.beforeSeq);
  const rows = (await builder.orderBy('m.seq').limit(range.limit + 1)) as MessageRow[];
  return { rows: rows.slice(0, range.limit), more: rows.length > range.limit };
}

export interface MessageFilters {
  conversation?: string | undefined;
  author_type?: AuthorType | undefined;
  since?: string | undefined;
}

export function listMessages(knex: Knex, organizationId: string, filters: MessageFilters, page: PageRequest): Promise<Page<MessageRow>> {
  const builder = selectMessages(knex).where('m.organization_id', organizationId);
  if (filters.conversation) builder.where('c.token', filters.conversation);
  if (filters.author_type) builder.where('m.author_type', filters.author_type);
  if (filters.since) builder.where('m.created_at', '>=', filters.since);
  return paginate<MessageRow>(knex, builder, page, { at: 'm.created_at', id: 'm.id' });
}

export async function findByClientMessageId(knex: Knex, conversationId: string, clientMessageId: string): Promise<string | undefined> {
  const row = (await knex('messages').where({ conversation_id: conversationId, client_message_id: clientMessageId }).first('id')) as { id: string } | undefined;
  return row?.id;
}

/** A message of this conversation (the one a postback names), whatever its state. */
export async function findInConversation(knex: Knex, conversationId: string, id: string): Promise<{ id: string; content: MessageContent | null } | undefined> {
  return (await knex('messages').where({ conversation_id: conversationId, id }).first('id', 'content')) as { id: string; content: MessageContent | null } | undefined;
}

export async function insertMessage(trx: Knex, values: {
  organization_id: string; conversation_id: string; seq: number; author_type: AuthorType; author_id: string | null;
  content: MessageContent; text: string; postback: { message_id: string; element_id: string } | null; client_message_id: string | null;
}): Promise<string> {
  const answers = values.author_type === 'agent' || values.author_type === 'bot';
  // The reply time reads the same expression, in the same statement: the same time.
  const createdAt = timeAfterSiblings('messages', 'conversation_id', 'now()');
  const [row] = await withDbErrors(() => trx('messages').insert({
    ...values,
    content: jsonb(trx, values.content),
    postback: values.postback === null ? null : jsonb(trx, values.postback),
    created_at: trx.raw(createdAt, [values.conversation_id]),
    reply_seconds: answers ? replySeconds(trx, createdAt, values.conversation_id) : null,
  }).returning('id'));
  return (row as { id: string }).id;
}

/**
 * A reply's time (docs/statistics.md "Reply time"): an agent or bot message answers the visitor
 * messages posted since the conversation's last agent or bot message, and its time runs from the
 * first of them; with none, it is no reply (null). System messages count as neither. The new
 * message takes the conversation's next sequence number under its row lock, so every message
 * already stored comes before it. migrations/20261215200000_add_message_reply_times.ts filled
 * the older messages with the same rule.
 */
function replySeconds(trx: Knex, createdAt: string, conversationId: string): Knex.Raw {
  return trx.raw(`(select extract(epoch from ${createdAt} - min(v.created_at)) from messages v
    where v.conversation_id = ? and v.author_type = 'visitor'
      and v.seq > coalesce((select max(r.seq) from messages r where r.conversation_id = ? and r.author_type in ('agent', 'bot')), 0))`,
  [conversationId, conversationId, conversationId]);
}

export async function hasVisitorMessage(knex: Knex, conversationId: string): Promise<boolean> {
  return (await knex('messages').where({ conversation_id: conversationId, author_type: 'visitor' }).first('id')) !== undefined;
}

export async function editMessage(trx: Knex, id: string, content: MessageContent, text: string): Promise<void> {
  await trx('messages').where({ id }).update({ content: jsonb(trx, content), text, edited_at: trx.fn.now() });
}

/** The tombstone of a deleted message: its place in the history, nothing of what it said. */
export async function eraseMessage(trx: Knex, id: string): Promise<void> {
  await trx('messages').where({ id }).update({ content: null, text: '', postback: null, deleted_at: trx.fn.now() });
}

/** The hosts the organization's web views may open (organizations.webview_hosts). */
export async function webviewHostsOf(knex: Knex, organizationId: string): Promise<string[]> {
  const row = (await knex('organizations').where({ id: organizationId }).first('webview_hosts')) as { webview_hosts: string[] } | undefined;
  return row?.webview_hosts ?? [];
}

/** What decides whether a user writes as an agent or as a bot. */
export async function authorFacts(knex: Knex, organizationId: string, userId: string): Promise<{ is_bot: boolean; role: string | null } | undefined> {
  if (!uuidShape.test(userId)) return undefined;
  return (await knex('users as u')
    .leftJoin('memberships as ms', (j) => j.on('ms.user_id', '=', 'u.id').andOn('ms.organization_id', '=', knex.raw('?', [organizationId])))
    .where('u.id', userId)
    .first('u.is_bot', 'ms.role')) as { is_bot: boolean; role: string | null } | undefined;
}
