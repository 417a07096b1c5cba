import type { Handler } from '../handler.js';
import { callerOf } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { findAuditEvent, listAuditEvents, type AuditFilters } from './queries.js';
import { presentAuditEvent } from './service.js';
import type { PageRequest } from '../shared/queries.js';

export const auditHandlers: Record<string, Handler> = {
  async 'auditEvents.list'(input) {
    const { identity } = callerOf(input);
    const page = await listAuditEvents(input.knex, identity.org, input.query as AuditFilters, input.query as unknown as PageRequest);
    return { data: page.rows.map(presentAuditEvent), next_cursor: page.nextCursor };
  },
  async 'auditEvents.fetch'(input) {
    const { identity } = callerOf(input);
    const row = await findAuditEvent(input.knex, identity.org, input.params.id as string);
    if (!row) throw notFound('audit event');
    return { data: presentAuditEvent(row) };
  },
};
