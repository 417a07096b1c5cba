import { crudHandlers } from '../shared/crud.js';

// Seed 001 "forms". The field schema's rules (unique keys, options for choice types) are the
// contract's; stored as jsonb.
interface FormRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  fields: unknown[];
  created_at: Date;
  updated_at: Date;
}

export const formHandlers = crudHandlers<FormRow>({
  prefix: 'forms',
  resource: 'form',
  table: 'forms',
  jsonColumns: ['fields'],
  present: (row) => ({ ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() }),
});
