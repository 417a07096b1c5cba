import type { Knex } from 'knex';
import { containsPattern } from '../shared/queries.js';

export interface KnowledgeItemRow {
  id: string;
  organization_id: string;
  category_id: string | null;
  title: string;
  body: string;
  status: 'draft' | 'published';
  tags: string[];
  author_id: string | null;
  published_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function filterKnowledgeItems(_knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>): void {
  if (typeof query.status === 'string') builder.where('knowledge_items.status', query.status);
  if (typeof query.category_id === 'string') builder.where('knowledge_items.category_id', query.category_id);
  if (typeof query.q === 'string' && query.q !== '') {
    const pattern = containsPattern(query.q);
    builder.where((q) => q.whereILike('knowledge_items.title', pattern).orWhereILike('knowledge_items.body', pattern));
  }
}

/** The author only when it is a user (an OAuth client's id is not). */
export async function userExists(knex: Knex, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  return (await knex('users').where({ id }).first('id')) !== undefined;
}
