import type { Knex } from 'knex';
import { containsPattern } from '../shared/queries.js';

export interface KnowledgeCategoryRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  position: number;
  item_count: number | string;
  created_at: Date;
  updated_at: Date;
}

export function withItemCount(knex: Knex, builder: Knex.QueryBuilder): void {
  builder.select(
    knex.raw('(select count(*) from knowledge_items i where i.category_id = knowledge_categories.id and i.organization_id = knowledge_categories.organization_id) as item_count'),
  );
}

/** True when the category exists in the organization (an article may only point at its own). */
export async function categoryExists(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  const row = await knex('knowledge_categories').where({ organization_id: organizationId, id }).first('id');
  return row !== undefined;
}

/** Seed 000 "list knowledge-base categories": a search in names and descriptions. */
export function filterKnowledgeCategories(_knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>): void {
  if (typeof query.q === 'string' && query.q !== '') {
    const pattern = containsPattern(query.q);
    builder.where((q) => q.whereILike('knowledge_categories.name', pattern).orWhereILike('knowledge_categories.description', pattern));
  }
}
