import { z } from 'zod';
import { defineOperation } from '../define.js';
import { id, idParams, listQuery, timestamp } from '../schemas.js';

// Issue 6 "Audit": every create, update and delete leaves a row (who, what, when, request id).
export const auditEvent = z.object({
  id,
  organization_id: id,
  actor_id: z.string(),
  actor_kind: z.enum(['user', 'api_key', 'client', 'visitor', 'system']),
  action: z.string(),
  resource_type: z.string(),
  resource_id: z.string(),
  request_id: z.string(),
  changes: z.record(z.string(), z.unknown()).nullable(),
  created_at: timestamp,
});

export const auditOperations = {
  list: defineOperation({
    name: 'auditEvents.list', method: 'GET', path: '/audit-events', role: 'admin', tag: 'audit',
    list: true, description: 'List audit events of the organization, oldest first, by action, resource or actor.',
    query: listQuery({
      action: z.string().max(100).optional(),
      resource_type: z.string().max(100).optional(),
      resource_id: z.string().max(100).optional(),
      actor_id: z.string().max(200).optional(),
    }),
    response: auditEvent,
  }),
  fetch: defineOperation({
    name: 'auditEvents.fetch', method: 'GET', path: '/audit-events/{id}', role: 'admin', tag: 'audit',
    description: 'Fetch one audit event.', params: idParams, response: auditEvent,
  }),
};
