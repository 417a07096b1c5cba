import type { Knex } from 'knex';
import type { CONVERSATION_STATUSES, END_REASONS } from '../../contract/operations/conversations.js';
import { withDbErrors } from '../../db/errors.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import type { Page, PageRequest } from '../shared/queries.js';

// The SQL of conversations, their tags and ratings. Every query carries the organization.

/** An ISO 8601 timestamp in UTC to the millisecond, as JSON built in SQL must carry it. */
const isoOf = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface ConversationRow {
  id: string;
  organization_id: string;
  token: string;
  widget_id: string | null;
  widget_client_token: string | null;
  visitor_id: string | null;
  visitor_token: string | null;
  assignee_id: string | null;
  group_id: string | null;
  status: (typeof CONVERSATION_STATUSES)[number];
  subject: string | null;
  summary: string | null;
  tags: { name: string; labels: Record<string, string> }[];
  rating: { score: number; comment: string | null; rated_at: string } | null;
  started_at: Date;
  first_response_at: Date | null;
  last_message_at: Date | null;
  ended_at: Date | null;
  end_reason: (typeof END_REASONS)[number] | null;
  /** bigint: a string from `pg`, a number from PGlite. */
  last_event_seq: number | string;
  created_at: Date;
  updated_at: Date;
}

function selectConversations(knex: Knex, organizationId: string): Knex.QueryBuilder {
  return knex('conversations as c')
    .leftJoin('widgets as w', 'w.id', 'c.widget_id')
    .leftJoin('visitors as v', 'v.id', 'c.visitor_id')
    .where('c.organization_id', organizationId)
    .select('c.*', 'w.client_token as widget_client_token', 'v.token as visitor_token')
    .select(knex.raw(`coalesce((select json_agg(json_build_object('name', t.name, 'labels', t.labels) order by t.name)
      from conversation_tags ct join tags t on t.id = ct.tag_id where ct.conversation_id = c.id), '[]'::json) as tags`))
    .select(knex.raw(`(select json_build_object('score', r.score, 'comment', r.comment, 'rated_at', ${isoOf('r.rated_at')})
      from conversation_ratings r where r.conversation_id = c.id order by r.rated_at desc, r.id desc limit 1) as rating`));
}

export async function findConversation(knex: Knex, organizationId: string, by: { token: string } | { id: string }): Promise<ConversationRow | undefined> {
  const builder = selectConversations(knex, organizationId);
  if ('token' in by) builder.where('c.token', by.token);
  else builder.where('c.id', by.id);
  return (await builder.first()) as ConversationRow | undefined;
}

/** The columns a write decides by, the row locked until the transaction ends (writers queue here). */
export interface LockedConversation {
  id: string;
  token: string;
  status: ConversationRow['status'];
  visitor_id: string | null;
  first_response_at: Date | null;
}

export async function lockConversation(trx: Knex, organizationId: string, token: string): Promise<LockedConversation | undefined> {
  return (await trx('conversations').where({ organization_id: organizationId, token })
    .forUpdate().first('id', 'token', 'status', 'visitor_id', 'first_response_at')) as LockedConversation | undefined;
}

export interface ConversationFilters {
  status?: ConversationRow['status'] | undefined;
  assignee_id?: string | undefined;
  group_id?: string | undefined;
  tag?: string | undefined;
  visitor?: string | undefined;
  widget?: string | undefined;
  started_after?: string | undefined;
  started_before?: string | undefined;
}

/**
 * Newest first by `(started_at, id)`: a key that never changes, so a page never repeats or skips
 * a conversation however busy the others are (the `conversations_organization_activity` index,
 * read backwards).
 */
export async function listConversations(knex: Knex, organizationId: string, filters: ConversationFilters, page: PageRequest): Promise<Page<ConversationRow>> {
  const builder = selectConversations(knex, organizationId);
  if (filters.status) builder.where('c.status', filters.status);
  if (filters.assignee_id === 'none') builder.whereNull('c.assignee_id');
  else if (filters.assignee_id) builder.where('c.assignee_id', filters.assignee_id);
  if (filters.group_id) builder.where('c.group_id', filters.group_id);
  if (filters.visitor) builder.where('v.token', filters.visitor);
  if (filters.widget) builder.where('w.client_token', filters.widget);
  if (filters.started_after) builder.where('c.started_at', '>=', filters.started_after);
  if (filters.started_before) builder.where('c.started_at', '<', filters.started_before);
  if (filters.tag) {
    builder.whereExists((q) => q.select(knex.raw('1')).from('conversation_tags as ft').join('tags as t', 't.id', 'ft.tag_id')
      .whereRaw('ft.conversation_id = c.id').where('t.name', filters.tag!));
  }
  if (page.cursor !== undefined) {
    const position = decodeCursor(page.cursor);
    builder.whereRaw('(c.started_at, c.id) < (?::timestamptz, ?::uuid)', [position.at, position.id]);
  }
  const rows = (await builder
    .select(knex.raw(`to_char(c.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as _cursor_at`))
    .orderBy([{ column: 'c.started_at', order: 'desc' }, { column: 'c.id', order: 'desc' }])
    .limit(page.limit + 1)) as (ConversationRow & { _cursor_at?: string })[];
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  const nextCursor = more && last ? encodeCursor({ at: last._cursor_at!, id: last.id }) : null;
  for (const row of pageRows) delete row._cursor_at;
  return { rows: pageRows, nextCursor };
}

export async function insertConversation(trx: Knex, values: {
  organization_id: string; token: string; widget_id: string | null; visitor_id: string | null; group_id: string | null; subject: string | null;
}): Promise<{ id: string }> {
  const [row] = await withDbErrors(() => trx('conversations').insert(values).returning('id'));
  return row as { id: string };
}

export async function updateConversationRow(trx: Knex, id: string, values: Record<string, unknown>): Promise<void> {
  await withDbErrors(() => trx('conversations').where({ id }).update({ ...values, updated_at: trx.fn.now() }));
}

export async function deleteConversation(trx: Knex, organizationId: string, token: string): Promise<string | undefined> {
  const [row] = (await trx('conversations').where({ organization_id: organizationId, token }).delete().returning('id')) as { id: string }[];
  return row?.id;
}

/** Tag ids by name, of the organization's tags among `names`. */
export async function tagIdsByName(knex: Knex, organizationId: string, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = (await knex('tags').where('organization_id', organizationId).whereIn('name', names).select('id', 'name')) as { id: string; name: string }[];
  return new Map(rows.map((row) => [row.name, row.id]));
}

export async function replaceConversationTags(trx: Knex, conversationId: string, tagIds: readonly string[]): Promise<void> {
  await trx('conversation_tags').where({ conversation_id: conversationId }).delete();
  if (tagIds.length > 0) await trx('conversation_tags').insert(tagIds.map((tagId) => ({ conversation_id: conversationId, tag_id: tagId })));
}

/** Whether `userId` may be assigned: an active member of the organization whose account is enabled. */
export async function isActiveMember(knex: Knex, organizationId: string, userId: string): Promise<boolean> {
  const row = await knex('memberships as m').join('users as u', 'u.id', 'm.user_id')
    .where({ 'm.organization_id': organizationId, 'm.user_id': userId }).whereNull('m.disabled_at').whereNull('u.disabled_at').first('m.user_id');
  return row !== undefined;
}

/** An active member's role and bot flag (enabled membership and account), or undefined for anyone else. */
export async function activeMemberFacts(knex: Knex, organizationId: string, userId: string): Promise<{ role: string; is_bot: boolean } | undefined> {
  return (await knex('memberships as m').join('users as u', 'u.id', 'm.user_id')
    .where({ 'm.organization_id': organizationId, 'm.user_id': userId }).whereNull('m.disabled_at').whereNull('u.disabled_at')
    .first('m.role', 'u.is_bot')) as { role: string; is_bot: boolean } | undefined;
}

/** Who has the conversation now: what a transfer records it moved from. */
export async function currentHandler(knex: Knex, id: string): Promise<{ assignee_id: string | null; group_id: string | null }> {
  return (await knex('conversations').where({ id }).first('assignee_id', 'group_id')) as { assignee_id: string | null; group_id: string | null };
}

export async function groupOfOrganization(knex: Knex, organizationId: string, groupId: string): Promise<boolean> {
  return (await knex('organization_groups').where({ organization_id: organizationId, id: groupId }).first('id')) !== undefined;
}

export async function insertRating(trx: Knex, conversationId: string, score: number, comment: string | null): Promise<void> {
  // clock_timestamp: two ratings in one transaction still order by time.
  await trx('conversation_ratings').insert({ conversation_id: conversationId, score, comment, rated_at: trx.raw('clock_timestamp()') });
}

/** Every rating of the conversation, oldest first: the history a new rating does not erase. */
export async function ratingsOf(knex: Knex, conversationId: string): Promise<ConversationRow['rating'][]> {
  return (await knex('conversation_ratings').where({ conversation_id: conversationId })
    .select('score', 'comment', knex.raw(`${isoOf('rated_at')} as rated_at`)).orderBy([{ column: 'rated_at' }, { column: 'id' }])) as NonNullable<ConversationRow['rating']>[];
}

export interface AssigneeRow {
  id: string;
  name: string;
  email: string;
}

export async function findAssignee(knex: Knex, userId: string): Promise<AssigneeRow | undefined> {
  return (await knex('users').where({ id: userId }).first('id', 'name', 'email')) as AssigneeRow | undefined;
}
