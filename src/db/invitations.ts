import type { Knex } from 'knex';
import type { Role } from '../contract/roles.js';

// Invitations as accepting one needs them: from the resource API (`invitations.accept`) and from
// the invitation page of the auth server (issue 17). Listing and creating stay in api/invitations.

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

export async function findInvitationByTokenHash(knex: Knex, tokenHash: string): Promise<(InvitationRow & { organization_name: string }) | undefined> {
  return (await knex('invitations')
    .join('organizations', 'organizations.id', 'invitations.organization_id')
    .where({ 'invitations.token_hash': tokenHash })
    .first('invitations.*', 'organizations.name as organization_name')) as (InvitationRow & { organization_name: string }) | undefined;
}

/** The invitation of a token, locked until the transaction ends (two accepts cannot both win). */
export async function lockInvitationByTokenHash(knex: Knex, tokenHash: string): Promise<InvitationRow | undefined> {
  return (await knex('invitations').where({ token_hash: tokenHash }).forUpdate().first()) as InvitationRow | undefined;
}

export async function markAccepted(knex: Knex, id: string, userId: string, at: Date): Promise<void> {
  await knex('invitations').where({ id }).update({ accepted_at: at, accepted_by: userId });
}

export async function isMember(knex: Knex, organizationId: string, email: string): Promise<boolean> {
  const row = await knex('memberships as m').join('users as u', 'u.id', 'm.user_id')
    .where('m.organization_id', organizationId).whereRaw('lower(u.email) = lower(?)', [email]).first('u.id');
  return row !== undefined;
}

/** Puts the new member in the invitation's groups that still exist (one may be deleted since). */
export async function joinExistingGroups(knex: Knex, organizationId: string, userId: string, groupIds: readonly string[]): Promise<void> {
  if (groupIds.length === 0) return;
  const existing = (await knex('organization_groups').where({ organization_id: organizationId }).whereIn('id', [...new Set(groupIds)]).pluck('id')) as string[];
  if (existing.length === 0) return;
  await knex('organization_group_members').insert(existing.map((groupId) => ({ group_id: groupId, user_id: userId, organization_id: organizationId })));
}
