import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, listQuery, nonEmptyPatch, nullableText, text, timestamp } from '../schemas.js';

// Seed 000 "departments": groups of members inside one organization.
export const organizationGroup = z.object({
  id,
  organization_id: id,
  name: z.string(),
  description: z.string().nullable(),
  member_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = { name: text(200), description: nullableText(2000).optional() };

export const organizationGroupOperations = {
  list: defineOperation({
    name: 'organizationGroups.list', method: 'GET', path: '/organization-groups', role: 'bot', tag: 'organization groups', list: true,
    description: 'List the groups (departments) of the organization.',
    query: listQuery({ name: z.string().max(200).optional() }), response: organizationGroup,
  }),
  fetch: defineOperation({
    name: 'organizationGroups.fetch', method: 'GET', path: '/organization-groups/{id}', role: 'bot', tag: 'organization groups',
    description: 'Fetch one group.', params: idParams, response: organizationGroup,
  }),
  create: defineOperation({
    name: 'organizationGroups.create', method: 'POST', path: '/organization-groups', successStatus: 201, role: 'admin', tag: 'organization groups',
    description: 'Create a group; names are unique in the organization.', body: z.strictObject(fields), response: organizationGroup,
  }),
  update: defineOperation({
    name: 'organizationGroups.update', method: 'PATCH', path: '/organization-groups/{id}', role: 'admin', tag: 'organization groups',
    description: 'Rename or describe a group.', params: idParams, body: nonEmptyPatch(fields), response: organizationGroup,
  }),
  delete: defineOperation({
    name: 'organizationGroups.delete', method: 'DELETE', path: '/organization-groups/{id}', role: 'admin', tag: 'organization groups',
    description: 'Delete a group; its members stay in the organization.', params: idParams, response: deleted,
  }),
};
