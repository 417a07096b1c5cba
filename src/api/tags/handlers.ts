import { tagOperations } from '../../contract/operations/conversations.js';
import { crudHandlers } from '../shared/crud.js';
import type { TagRow } from './queries.js';

// Conversation tags with a label per language (DESIGN.md "Conversations"): a plain resource. A
// name is unique in the organization (409 conflict); `labels` is replaced as a whole; deleting a
// tag takes it off every conversation (the foreign key cascades).
export const tagHandlers = crudHandlers(tagOperations, {
  resource: 'tag',
  table: 'tags',
  jsonColumns: ['labels'],
  present: (row: TagRow) => ({ id: row.id, name: row.name, labels: row.labels, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() }),
});
