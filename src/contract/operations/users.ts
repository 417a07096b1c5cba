import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, email, id, idParams, listQuery, nonEmptyPatch, role, timestamp } from '../schemas.js';

// Seed 001 "users": the organization's users with their role there. "(self)" rows: any role may
// fetch and update its own user (`/users/me`, or its own id) but never its own role or status.
export const memberStatus = z.enum(['active', 'disabled']);

export const user = z.object({
  id,
  email: z.string(),
  name: z.string(),
  is_bot: z.boolean(),
  /** False until the owner followed the activation link; such an account cannot sign in (issue 17). */
  email_verified: z.boolean(),
  role,
  status: memberStatus,
  group_ids: z.array(id),
  created_at: timestamp,
  updated_at: timestamp,
});

const selfFields = { name: z.string().trim().max(200, 'must be at most 200 characters') };
const adminFields = { ...selfFields, role, status: memberStatus };
const self = { param: 'id', role: 'guest' } as const;

export const userOperations = {
  list: defineOperation({
    name: 'users.list', method: 'GET', path: '/users', role: 'bot', tag: 'users', list: true,
    description: 'List the users of the organization.',
    query: listQuery({ role: role.optional(), status: memberStatus.optional(), email: z.string().max(254).optional() }),
    response: user,
  }),
  fetchMe: defineOperation({
    name: 'users.fetchMe', method: 'GET', path: '/users/me', role: 'guest', tag: 'users',
    description: "Fetch the caller's own user.", response: user,
  }),
  updateMe: defineOperation({
    name: 'users.updateMe', method: 'PATCH', path: '/users/me', role: 'guest', tag: 'users',
    description: "Update the caller's own user (not its role).", body: nonEmptyPatch(selfFields), response: user,
  }),
  fetch: defineOperation({
    name: 'users.fetch', method: 'GET', path: '/users/{id}', role: 'bot', self, tag: 'users',
    description: 'Fetch a user of the organization (any role may fetch itself).', params: idParams, response: user,
  }),
  create: defineOperation({
    name: 'users.create', method: 'POST', path: '/users', successStatus: 201, role: 'admin', tag: 'users',
    description:
      'Create a user with a role in the organization. The account is pending (`email_verified: false`) and cannot sign in until its owner opens the activation link mailed to the address and chooses a password; ' +
      'nobody sets a password for someone else. A bot is no exception: whoever reads the bot address\'s mail activates it.',
    body: z.strictObject({
      email,
      name: selfFields.name.optional(),
      role,
      is_bot: z.boolean().optional(),
    }),
    response: user,
  }),
  resendActivation: defineOperation({
    name: 'users.resendActivation', method: 'POST', path: '/users/{id}/activation', role: 'admin', tag: 'users',
    description: 'Mail a new activation link to a pending user of the organization (earlier links keep working until they expire or one is used).',
    params: idParams, response: user,
  }),
  update: defineOperation({
    name: 'users.update', method: 'PATCH', path: '/users/{id}', role: 'admin', self, tag: 'users',
    description: "Update a user's role or status, or your own name (the name is the user's own: nobody renames someone else; nobody changes its own role).",
    params: idParams, body: nonEmptyPatch(adminFields), response: user,
  }),
  delete: defineOperation({
    name: 'users.delete', method: 'DELETE', path: '/users/{id}', role: 'admin', tag: 'users',
    description: "Remove a user from the organization; their tokens are revoked.", params: idParams, response: deleted,
  }),
};
