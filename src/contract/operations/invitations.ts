import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, email, groupIds, id, idParams, listQuery, newPassword, role, timestamp } from '../schemas.js';

// Seed 000 "invite a customer to a property": an admin invites an email with a role; a single-use,
// expiring link is mailed to that email, and only there (issue 17: never in the inviter's answer;
// only its hash is stored). Accepting creates the membership: on the invitation page, where an
// existing account signs in first; or here, for an email without an account (then the invitee
// chooses their password).
export const invitationStatus = z.enum(['pending', 'accepted', 'expired']);

export const invitation = z.object({
  id,
  organization_id: id,
  email: z.string(),
  role,
  group_ids: z.array(id),
  status: invitationStatus,
  invited_by: id.nullable(),
  expires_at: timestamp,
  accepted_at: timestamp.nullable(),
  created_at: timestamp,
});

export const invitationOperations = {
  list: defineOperation({
    name: 'invitations.list', method: 'GET', path: '/invitations', role: 'bot', tag: 'invitations', list: true,
    description: 'List invitations of the organization.',
    query: listQuery({ status: invitationStatus.optional(), role: role.optional(), email: z.string().max(254).optional() }),
    response: invitation,
  }),
  fetch: defineOperation({
    name: 'invitations.fetch', method: 'GET', path: '/invitations/{id}', role: 'bot', tag: 'invitations',
    description: 'Fetch one invitation.', params: idParams, response: invitation,
  }),
  create: defineOperation({
    name: 'invitations.create', method: 'POST', path: '/invitations', successStatus: 201, role: 'admin', tag: 'invitations',
    description: 'Invite an email address with a role. The single-use link is mailed to that address, never returned here.',
    body: z.strictObject({ email, role, group_ids: groupIds.optional() }),
    response: invitation,
  }),
  resend: defineOperation({
    name: 'invitations.resend', method: 'POST', path: '/invitations/{id}/resend', role: 'admin', tag: 'invitations',
    description: 'Mail a pending or expired invitation again, with a new link and a new expiry; the earlier link stops working.',
    params: idParams, response: invitation,
  }),
  delete: defineOperation({
    name: 'invitations.delete', method: 'DELETE', path: '/invitations/{id}', role: 'admin', tag: 'invitations',
    description: 'Withdraw an invitation; its token stops working.', params: idParams, response: deleted,
  }),
  accept: defineOperation({
    // Public: the token itself is the credential (like a password-reset link). Costly to guess.
    name: 'invitations.accept', method: 'POST', path: '/invitations/accept', role: 'public', tag: 'invitations', cost: 10,
    description:
      'Accept an invitation with the token from its mail, for an email that has no Gatehouse account yet: creates the account with the password chosen here, and the membership. ' +
      'An email that already has an account is refused (403, `details.reason: "sign_in_required"`): its owner opens the link from the mail and signs in to accept.',
    body: z.strictObject({
      token: z.string().min(1).max(200, 'must be at most 200 characters'),
      name: z.string().trim().max(200, 'must be at most 200 characters').optional(),
      password: newPassword,
    }),
    response: z.object({ organization_id: id, user_id: id, role }),
  }),
};
