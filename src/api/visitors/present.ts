import type { z } from 'zod';
import type { visitor } from '../../contract/operations/visitors.js';
import type { StoredRow } from '../shared/queries.js';

/**
 * A visitor as the visitors operations and a conversation's details answer it: never the resume
 * credential (`secret_hash` is not read).
 */
export function presentVisitor(row: StoredRow<z.output<typeof visitor>>): z.output<typeof visitor> {
  return {
    token: row.token,
    organization_id: row.organization_id,
    widget_client_token: row.widget_client_token,
    name: row.name,
    email: row.email,
    context: row.context,
    last_seen_at: row.last_seen_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
