import type { Knex } from 'knex';
import { jsonb, paginate, scopedTable, findScoped, type Page, type PageRequest } from '../shared/queries.js';

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

export async function insertAuditEvent(knex: Knex, event: Omit<AuditRow, 'id' | 'created_at'>): Promise<void> {
  await knex('audit_events').insert({ ...event, changes: event.changes === null ? null : jsonb(knex, event.changes) });
}

export interface AuditFilters {
  action?: string | undefined;
  resource_type?: string | undefined;
  resource_id?: string | undefined;
  actor_id?: string | undefined;
}

export async function listAuditEvents(knex: Knex, organizationId: string, filters: AuditFilters, page: PageRequest): Promise<Page<AuditRow>> {
  const builder = scopedTable(knex, 'audit_events', organizationId).select('audit_events.*');
  for (const key of ['action', 'resource_type', 'resource_id', 'actor_id'] as const) {
    if (filters[key] !== undefined) builder.where(`audit_events.${key}`, filters[key]);
  }
  return paginate<AuditRow>(knex, builder, page, { at: 'audit_events.created_at', id: 'audit_events.id' });
}

export function findAuditEvent(knex: Knex, organizationId: string, id: string): Promise<AuditRow | undefined> {
  return findScoped<AuditRow>(knex, 'audit_events', organizationId, id);
}
