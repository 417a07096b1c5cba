import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, groupIds, id, idParams, listQuery, nonEmptyPatch, role, timestamp } from '../schemas.js';
import { memberStatus } from './users.js';

// Seed 000 "property members": memberships of the organization, filtered by role, group, status.
// Members join through invitations (invitations.create); `{id}` is the member's user id.
/** An agent's presence (`PATCH /users/me/availability`); online counts only while recently seen. */
export const AVAILABILITIES = ['online', 'away', 'offline'] as const;

export const member = z.object({
  user_id: id,
  organization_id: id,
  email: z.string(),
  name: z.string(),
  role,
  status: memberStatus,
  group_ids: z.array(id),
  availability: z.enum(AVAILABILITIES),
  /** The last availability call (the agent console's heartbeat). */
  last_seen_at: timestamp.nullable(),
  joined_at: timestamp,
  updated_at: timestamp,
});

export const memberOperations = {
  list: defineOperation({
    name: 'members.list', method: 'GET', path: '/members', role: 'bot', tag: 'members', list: true,
    description: 'List the members of the organization, oldest membership first, by role, group, status and a search in names and emails (`q`, any case); filters combine.',
    query: listQuery({ role: role.optional(), group_id: id.optional(), status: memberStatus.optional(), q: z.string().max(200).optional() }),
    response: member,
  }),
  fetch: defineOperation({
    name: 'members.fetch', method: 'GET', path: '/members/{id}', role: 'bot', tag: 'members',
    description: 'Fetch one member by user id.', params: idParams, response: member,
  }),
  update: defineOperation({
    name: 'members.update', method: 'PATCH', path: '/members/{id}', role: 'admin', tag: 'members',
    description: "Change a member's role, status or groups.",
    params: idParams,
    body: nonEmptyPatch({ role, status: memberStatus, group_ids: groupIds }),
    response: member,
  }),
  delete: defineOperation({
    name: 'members.delete', method: 'DELETE', path: '/members/{id}', role: 'admin', tag: 'members',
    description: 'Remove a member from the organization; their tokens are revoked.', params: idParams, response: deleted,
  }),
};
