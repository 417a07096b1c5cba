import { knowledgeCategoryOperations } from '../../contract/operations/knowledge-categories.js';
import { crudHandlers } from '../shared/crud.js';
import { filterKnowledgeCategories, withItemCount, type KnowledgeCategoryRow } from './queries.js';

// Seed 000 "knowledge-base categories"; names are unique per organization (409 conflict).
export const knowledgeCategoryHandlers = crudHandlers(knowledgeCategoryOperations, {
  resource: 'knowledge category',
  table: 'knowledge_categories',
  decorate: withItemCount,
  listQuery: filterKnowledgeCategories,
  present: (row: KnowledgeCategoryRow) => ({
    ...row,
    item_count: Number(row.item_count),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }),
});
