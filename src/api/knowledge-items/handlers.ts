import { crudHandlers, iso } from '../shared/crud.js';
import { filterKnowledgeItems, type KnowledgeItemRow } from './queries.js';
import { prepareKnowledgeItem } from './service.js';

export const knowledgeItemHandlers = crudHandlers<KnowledgeItemRow>({
  prefix: 'knowledgeItems',
  resource: 'knowledge item',
  table: 'knowledge_items',
  jsonColumns: ['tags'],
  listQuery: filterKnowledgeItems,
  prepare: prepareKnowledgeItem,
  present: (row) => ({
    ...row,
    published_at: iso(row.published_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }),
});
