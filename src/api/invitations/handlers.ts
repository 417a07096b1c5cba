import { callerOf, type Handler } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import type { PageRequest } from '../shared/queries.js';
import type { Role } from '../../contract/roles.js';
import { findInvitation, listInvitations, type InvitationFilters, type InvitationRow } from './queries.js';
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

export const invitationHandlers: Record<string, Handler> = {
  async 'invitations.list'(input) {
    const { identity } = callerOf(input);
    const now = input.runtime.clock.now();
    const page = await listInvitations(input.knex, identity.org, input.query as InvitationFilters, new Date(now), input.query as unknown as PageRequest);
    return { data: page.rows.map((row) => present(row, now)), next_cursor: page.nextCursor };
  },
  async 'invitations.fetch'(input) {
    const { identity } = callerOf(input);
    const row = await findInvitation(input.knex, identity.org, input.params.id as string);
    if (!row) throw notFound('invitation');
    return { data: present(row, input.runtime.clock.now()) };
  },
  async 'invitations.create'(input) {
    const body = input.body as { email: string; role: Role; group_ids?: string[] };
    const row = await createInvitation(input.runtime, callerOf(input), body);
    return { data: present(row, input.runtime.clock.now()) };
  },
  async 'invitations.resend'(input) {
    const row = await resendInvitation(input.runtime, callerOf(input), input.params.id as string);
    return { data: present(row, input.runtime.clock.now()) };
  },
  async 'invitations.delete'(input) {
    await withdrawInvitation(input.runtime, callerOf(input), input.params.id as string);
    return { data: { id: input.params.id, deleted: true } };
  },
  async 'invitations.accept'(input) {
    const body = input.body as { token: string; name?: string; password: string };
    return { data: await acceptInvitation(input.runtime, input.requestId, body) };
  },
};
