import type { Knex } from 'knex';
import { jsonb } from './jsonb.js';

export interface AuditRow {
  id: string;
  organization_id: string;
  actor_id: string;
  actor_kind: 'user' | 'api_key' | 'client' | 'visitor' | 'system';
  action: string;
  resource_type: string;
  resource_id: string;
  request_id: string;
  changes: Record<string, unknown> | null;
  created_at: Date;
}

/** The audit row of a change, in the change's own transaction. Only domain/record-change.ts calls this. */
export async function insertAuditEvent(knex: Knex, event: Omit<AuditRow, 'id' | 'created_at'>): Promise<void> {
  await knex('audit_events').insert({ ...event, changes: event.changes === null ? null : jsonb(knex, event.changes) });
}
