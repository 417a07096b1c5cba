import type { Knex } from 'knex';
import type { z } from 'zod';
import type { visitor } from '../../contract/operations/visitors.js';
import { jsonb, paginate, type Page, type PageRequest, type StoredRow } from '../shared/queries.js';

// The SQL of visitors. Every query carries the organization; the secret's hash and the session
// revocation instant are never selected, so no answer can carry them.

export type VisitorRow = StoredRow<z.output<typeof visitor>> & { id: string };

const columns = [
  'visitors.id', 'visitors.token', 'visitors.organization_id', 'widgets.client_token as widget_client_token', 'visitors.name',
  'visitors.email', 'visitors.context', 'visitors.last_seen_at', 'visitors.created_at', 'visitors.updated_at',
];

function visitors(knex: Knex, organizationId: string): Knex.QueryBuilder {
  return knex('visitors').leftJoin('widgets', 'widgets.id', 'visitors.widget_id').where('visitors.organization_id', organizationId).select(columns);
}

/** `lock` takes the visitor row's lock (not the widget's), so context merges run one at a time. */
export async function findVisitor(knex: Knex, organizationId: string, token: string, lock = false): Promise<VisitorRow | undefined> {
  const query = visitors(knex, organizationId).where('visitors.token', token).first();
  if (lock) query.forUpdate('visitors');
  return (await query) as VisitorRow | undefined;
}

export interface VisitorFilters extends PageRequest {
  widget?: string | undefined;
  q?: string | undefined;
}

export async function listVisitors(knex: Knex, organizationId: string, filters: VisitorFilters): Promise<Page<VisitorRow>> {
  const builder = visitors(knex, organizationId);
  if (filters.widget !== undefined) builder.where('widgets.client_token', filters.widget);
  if (filters.q !== undefined && filters.q !== '') {
    const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    builder.where((w) => w.whereILike('visitors.name', pattern).orWhereILike('visitors.email', pattern));
  }
  return paginate<VisitorRow>(knex, builder, filters, { at: 'visitors.created_at', id: 'visitors.id' });
}

export async function storeContext(knex: Knex, id: string, context: Record<string, unknown>): Promise<void> {
  await knex('visitors').where({ id }).update({ context: jsonb(knex, context), updated_at: knex.fn.now() });
}

/** What deleting a visitor erased, for the audit trail. */
export interface Erasure {
  messages: number;
  conversations: number;
}

/**
 * Erases the visitor's personal data from its conversations, then the visitor: the text and
 * content of its messages (kept, empty and marked deleted, so counts and sequence numbers hold),
 * rating comments, subjects and summaries; the conversations are unlinked from it.
 */
export async function eraseVisitor(knex: Knex, organizationId: string, visitorId: string): Promise<Erasure> {
  const messages = await knex('messages')
    .where({ organization_id: organizationId, author_type: 'visitor', author_id: visitorId })
    .update({ content: null, text: '', deleted_at: knex.raw('coalesce(deleted_at, now())') })
    .returning('id');
  const conversations = knex('conversations').where({ organization_id: organizationId, visitor_id: visitorId }).select('id');
  await knex('conversation_ratings').whereIn('conversation_id', conversations.clone()).update({ comment: null });
  const unlinked = await knex('conversations').where({ organization_id: organizationId, visitor_id: visitorId })
    .update({ visitor_id: null, subject: null, summary: null, updated_at: knex.fn.now() })
    .returning('id');
  await knex('visitors').where({ organization_id: organizationId, id: visitorId }).delete();
  return { messages: messages.length, conversations: unlinked.length };
}
