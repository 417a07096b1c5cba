import type { Knex } from 'knex';
import type { AuditRow } from '../../db/audit-events.js';
import { paginate, scopedTable, findScoped, type Page, type PageRequest } from '../shared/queries.js';

export type { AuditRow } from '../../db/audit-events.js';

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
