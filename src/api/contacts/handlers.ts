import { contactOperations } from '../../contract/operations/contacts.js';
import { crudHandlers } from '../shared/crud.js';
import { filterContacts, type ContactRow } from './queries.js';

// Seed 001 "contacts". Email uniqueness per organization is the database's (409 conflict).
export const contactHandlers = crudHandlers(contactOperations, {
  resource: 'contact',
  table: 'contacts',
  jsonColumns: ['attributes'],
  listQuery: filterContacts,
  present: (row: ContactRow) => ({ ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() }),
});
