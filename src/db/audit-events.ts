import type { Knex } from 'knex';

export interface AuditRow {
  id: string;
  organization_id: string;
  actor_id: string;
  actor_kind: string;
  action: string;
  resource_type: string;
  resource_id: string;
  request_id: string;
  changes: Record<string, unknown> | null;
  created_at: Date;
}

/**
 * The audit row of a change, in the change's own transaction. The resource API writes through
 * `api/audit/service.ts`; the auth server's pages that change an organization (accepting an
 * invitation) write the same row through `domain`.
 */
export async function insertAuditEvent(knex: Knex, event: Omit<AuditRow, 'id' | 'created_at'>): Promise<void> {
  await knex('audit_events').insert({ ...event, changes: event.changes === null ? null : knex.raw('?::jsonb', [JSON.stringify(event.changes)]) });
}
