import type { Knex } from 'knex';
import type { z } from 'zod';
import type { visitor } from '../../contract/operations/visitors.js';
import type { StoredRow } from '../shared/queries.js';

// The visitor of a conversation: who starts one (a visitor session, or an agent naming a visitor
// by token) and how `GET /conversations/{token}` shows it (seed 002 "visitor information").

export type VisitorRow = StoredRow<z.output<typeof visitor>> & { id: string; widget_id: string | null };

export async function findVisitor(knex: Knex, organizationId: string, by: { id: string } | { token: string }): Promise<VisitorRow | undefined> {
  const builder = knex('visitors as v').leftJoin('widgets as w', 'w.id', 'v.widget_id').where('v.organization_id', organizationId)
    .select('v.id', 'v.token', 'v.organization_id', 'v.widget_id', 'w.client_token as widget_client_token', 'v.name', 'v.email', 'v.context',
      'v.last_seen_at', 'v.created_at', 'v.updated_at');
  if ('id' in by) builder.where('v.id', by.id);
  else builder.where('v.token', by.token);
  return (await builder.first()) as VisitorRow | undefined;
}

export { presentVisitor } from '../visitors/present.js';
