import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { isMember, type InvitationRow } from '../../db/invitations.js';
import { jsonb, paginate, scopedTable, type Page, type PageRequest } from '../shared/queries.js';

export async function insertInvitation(
  knex: Knex,
  values: { organization_id: string; email: string; role: Role; group_ids: string[]; token_hash: string; invited_by: string | null; expires_at: Date },
): Promise<InvitationRow> {
  const [row] = await knex('invitations').insert({ ...values, group_ids: jsonb(knex, values.group_ids) }).returning('*');
  return row as InvitationRow;
}

export interface InvitationFilters {
  status?: 'pending' | 'accepted' | 'expired' | undefined;
  role?: Role | undefined;
  email?: string | undefined;
}

export function listInvitations(knex: Knex, organizationId: string, filters: InvitationFilters, now: Date, page: PageRequest): Promise<Page<InvitationRow>> {
  const builder = scopedTable(knex, 'invitations', organizationId).select('invitations.*');
  if (filters.role) builder.where('invitations.role', filters.role);
  if (filters.email) builder.whereRaw('lower(invitations.email) = lower(?)', [filters.email]);
  if (filters.status === 'accepted') builder.whereNotNull('invitations.accepted_at');
  if (filters.status === 'pending') builder.whereNull('invitations.accepted_at').where('invitations.expires_at', '>', now);
  if (filters.status === 'expired') builder.whereNull('invitations.accepted_at').where('invitations.expires_at', '<=', now);
  return paginate<InvitationRow>(knex, builder, page, { at: 'invitations.created_at', id: 'invitations.id' });
}

export async function findInvitation(knex: Knex, organizationId: string, id: string): Promise<InvitationRow | undefined> {
  return (await scopedTable(knex, 'invitations', organizationId).where('invitations.id', id).first()) as InvitationRow | undefined;
}

export async function deleteInvitation(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await scopedTable(knex, 'invitations', organizationId).where('invitations.id', id).delete().returning('id')).length === 1;
}

/** A new token (hash) and expiry for a pending invitation of the organization. */
export async function renewInvitationToken(
  knex: Knex, organizationId: string, id: string, values: { tokenHash: string; expiresAt: Date },
): Promise<InvitationRow> {
  const [row] = await knex('invitations').where({ organization_id: organizationId, id }).whereNull('accepted_at')
    .update({ token_hash: values.tokenHash, expires_at: values.expiresAt }).returning('*');
  if (!row) throw new Error(`invitation ${id} is not pending`);
  return row as InvitationRow;
}

export { isMember, type InvitationRow };
