import { invitationOperations } from '../../contract/operations/invitations.js';
import { callerOf, deletedResult, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { findInvitation, listInvitations, type InvitationRow } from './queries.js';
import { acceptInvitation, createInvitation, invitationStatus, resendInvitation, withdrawInvitation } from './service.js';

function present(row: InvitationRow, now: number) {
  return {
    id: row.id,
    organization_id: row.organization_id,
    email: row.email,
    role: row.role,
    group_ids: row.group_ids,
    status: invitationStatus(row, now),
    invited_by: row.invited_by,
    expires_at: row.expires_at.toISOString(),
    accepted_at: row.accepted_at === null ? null : row.accepted_at.toISOString(),
    created_at: row.created_at.toISOString(),
  };
}

export const invitationHandlers = implement(invitationOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const now = input.runtime.clock.now();
    const page = await listInvitations(input.knex, identity.org, input.query, new Date(now), input.query);
    return { data: page.rows.map((row) => present(row, now)), next_cursor: page.nextCursor };
  },
  async fetch(input) {
    const { identity } = callerOf(input);
    const row = await findInvitation(input.knex, identity.org, input.params.id);
    if (!row) throw notFound('invitation');
    return { data: present(row, input.runtime.clock.now()) };
  },
  async create(input) {
    const row = await createInvitation(input.runtime, callerOf(input), input.body);
    return { data: present(row, input.runtime.clock.now()) };
  },
  async resend(input) {
    const row = await resendInvitation(input.runtime, callerOf(input), input.params.id);
    return { data: present(row, input.runtime.clock.now()) };
  },
  async delete(input) {
    await withdrawInvitation(input.runtime, callerOf(input), input.params.id);
    return deletedResult(input.params.id);
  },
  async accept(input) {
    return { data: await acceptInvitation(input.runtime, input.requestId, input.body) };
  },
});
