import { auditOperations } from '../../contract/operations/audit.js';
import { callerOf, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { findAuditEvent, listAuditEvents } from './queries.js';
import { presentAuditEvent } from './service.js';

export const auditHandlers = implement(auditOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const page = await listAuditEvents(input.knex, identity.org, input.query, input.query);
    return { data: page.rows.map(presentAuditEvent), next_cursor: page.nextCursor };
  },
  async fetch(input) {
    const { identity } = callerOf(input);
    const row = await findAuditEvent(input.knex, identity.org, input.params.id);
    if (!row) throw notFound('audit event');
    return { data: presentAuditEvent(row) };
  },
});
