import type { Knex } from 'knex';
import type { Caller } from '../handler.js';
import { insertAuditEvent, type AuditRow } from './queries.js';

/**
 * Writes the audit row of a change, in the change's own transaction: either both are stored or
 * neither. `changes` holds the fields the request set (never secrets).
 */
export async function audit(
  trx: Knex,
  caller: Caller,
  event: { action: string; resourceType: string; resourceId: string; organizationId?: string; changes?: Record<string, unknown> },
): Promise<void> {
  await insertAuditEvent(trx, {
    organization_id: event.organizationId ?? caller.identity.org,
    actor_id: caller.identity.sub,
    actor_kind: caller.identity.kind,
    action: event.action,
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    request_id: caller.requestId,
    changes: event.changes ?? null,
  });
}

export function presentAuditEvent(row: AuditRow) {
  return { ...row, created_at: row.created_at.toISOString() };
}
