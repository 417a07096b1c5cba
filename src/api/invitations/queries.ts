import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { jsonb, paginate, scopedTable, type Page, type PageRequest } from '../shared/queries.js';

export interface InvitationRow {
  id: string;
  organization_id: string;
  email: string;
  role: Role;
  group_ids: string[];
  token_hash: string;
  invited_by: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  created_at: Date;
}

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

/** The invitation of a token, locked until the transaction ends (two accepts cannot both win). */
export async function lockInvitationByTokenHash(knex: Knex, tokenHash: string): Promise<InvitationRow | undefined> {
  return (await knex('invitations').where({ token_hash: tokenHash }).forUpdate().first()) as InvitationRow | undefined;
}

export async function markAccepted(knex: Knex, id: string, userId: string, at: Date): Promise<void> {
  await knex('invitations').where({ id }).update({ accepted_at: at, accepted_by: userId });
}

export async function deleteInvitation(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await scopedTable(knex, 'invitations', organizationId).where('invitations.id', id).delete().returning('id')).length === 1;
}

export async function isMember(knex: Knex, organizationId: string, email: string): Promise<boolean> {
  const row = await knex('memberships as m').join('users as u', 'u.id', 'm.user_id')
    .where('m.organization_id', organizationId).whereRaw('lower(u.email) = lower(?)', [email]).first('u.id');
  return row !== undefined;
}

export async function findUserIdByEmail(knex: Knex, email: string): Promise<string | undefined> {
  const row = (await knex('users').whereRaw('lower(email) = lower(?)', [email]).first('id')) as { id: string } | undefined;
  return row?.id;
}
