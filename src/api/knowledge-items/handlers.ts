import { knowledgeItemOperations } from '../../contract/operations/knowledge-items.js';
import { crudHandlers, iso } from '../shared/crud.js';
import { filterKnowledgeItems, type KnowledgeItemRow } from './queries.js';
import { prepareKnowledgeItem } from './service.js';

export const knowledgeItemHandlers = crudHandlers(knowledgeItemOperations, {
  resource: 'knowledge item',
  table: 'knowledge_items',
  jsonColumns: ['tags'],
  listQuery: filterKnowledgeItems,
  prepare: prepareKnowledgeItem,
  present: (row: KnowledgeItemRow) => ({
    ...row,
    published_at: iso(row.published_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }),
});
