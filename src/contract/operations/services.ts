import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, listQuery, nonEmptyPatch, nullableText, queryBoolean, text, timestamp } from '../schemas.js';

// Seed 001 "services": what an organization offers support for, optionally routed to a group.
export const service = z.object({
  id,
  organization_id: id,
  name: z.string(),
  description: z.string().nullable(),
  group_id: id.nullable(),
  active: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = {
  name: text(200),
  description: nullableText(2000).optional(),
  group_id: id.nullable().optional(),
  active: z.boolean().optional(),
};

export const serviceOperations = {
  list: defineOperation({
    name: 'services.list', method: 'GET', path: '/services', role: 'admin', tag: 'services', list: true,
    description: 'List services, optionally only active ones or those of a group.',
    query: listQuery({ active: queryBoolean.optional(), group_id: id.optional() }), response: service,
  }),
  fetch: defineOperation({
    name: 'services.fetch', method: 'GET', path: '/services/{id}', role: 'admin', tag: 'services',
    description: 'Fetch one service.', params: idParams, response: service,
  }),
  create: defineOperation({
    name: 'services.create', method: 'POST', path: '/services', successStatus: 201, role: 'admin', tag: 'services',
    description: 'Create a service.', body: z.strictObject(fields), response: service,
  }),
  update: defineOperation({
    name: 'services.update', method: 'PATCH', path: '/services/{id}', role: 'admin', tag: 'services',
    description: 'Update a service.', params: idParams, body: nonEmptyPatch(fields), response: service,
  }),
  delete: defineOperation({
    name: 'services.delete', method: 'DELETE', path: '/services/{id}', role: 'admin', tag: 'services',
    description: 'Delete a service.', params: idParams, response: deleted,
  }),
};
