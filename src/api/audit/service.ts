import type { AuditRow } from './queries.js';

export function presentAuditEvent(row: AuditRow) {
  return { ...row, created_at: row.created_at.toISOString() };
}
