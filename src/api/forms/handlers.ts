import type { z } from 'zod';
import { formOperations, type form } from '../../contract/operations/forms.js';
import { crudHandlers } from '../shared/crud.js';
import type { StoredRow } from '../shared/queries.js';

// Seed 001 "forms". The field schema's rules (unique keys, options for choice types) are the
// contract's; stored as jsonb.
type FormRow = StoredRow<z.output<typeof form>>;

export const formHandlers = crudHandlers(formOperations, {
  resource: 'form',
  table: 'forms',
  jsonColumns: ['fields'],
  present: (row: FormRow) => ({ ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() }),
});
