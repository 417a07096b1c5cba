import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { withDbErrors } from '../../db/errors.js';
import { containsPattern, paginate, type Page, type PageRequest } from '../shared/queries.js';

// Memberships joined with their users: the rows behind both `users.*` and `members.*`.

export interface MemberRow {
  id: string;
  organization_id: string;
  email: string;
  name: string;
  is_bot: boolean;
  email_verified_at: Date | null;
  role: Role;
  disabled_at: Date | null;
  group_ids: string[];
  availability: 'online' | 'away' | 'offline';
  last_seen_at: Date | null;
  joined_at: Date;
  membership_updated_at: Date;
  created_at: Date;
  updated_at: Date;
}

function selectMembers(knex: Knex, organizationId: string): Knex.QueryBuilder {
  return knex('memberships as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where('m.organization_id', organizationId)
    .select(
      'u.id', 'm.organization_id', 'u.email', 'u.name', 'u.is_bot', 'u.email_verified_at', 'm.role', 'm.disabled_at', 'm.availability', 'm.last_seen_at',
      'm.created_at as joined_at', 'm.updated_at as membership_updated_at', 'u.created_at', 'u.updated_at',
      knex.raw(
        `coalesce((select json_agg(gm.group_id order by gm.group_id) from organization_group_members gm
          where gm.user_id = m.user_id and gm.organization_id = m.organization_id), '[]'::json) as group_ids`,
      ),
    );
}

export interface MemberFilters {
  role?: Role | undefined;
  status?: 'active' | 'disabled' | undefined;
  group_id?: string | undefined;
  email?: string | undefined;
  /** A search in names and emails. */
  q?: string | undefined;
}

export function listMembers(knex: Knex, organizationId: string, filters: MemberFilters, page: PageRequest): Promise<Page<MemberRow>> {
  const builder = selectMembers(knex, organizationId);
  if (filters.role) builder.where('m.role', filters.role);
  if (filters.status === 'active') builder.whereNull('m.disabled_at');
  if (filters.status === 'disabled') builder.whereNotNull('m.disabled_at');
  if (filters.email) builder.whereRaw('lower(u.email) = lower(?)', [filters.email]);
  if (filters.q) {
    const pattern = containsPattern(filters.q);
    builder.where((q) => q.whereILike('u.name', pattern).orWhereILike('u.email', pattern));
  }
  if (filters.group_id) {
    builder.whereExists((q) =>
      q.select(knex.raw('1')).from('organization_group_members as g')
        .whereRaw('g.user_id = m.user_id and g.organization_id = m.organization_id')
        .where('g.group_id', filters.group_id!),
    );
  }
  return paginate<MemberRow>(knex, builder, page, { at: 'm.created_at', id: 'm.user_id' });
}

export async function findMember(knex: Knex, organizationId: string, userId: string): Promise<MemberRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) return undefined;
  return (await selectMembers(knex, organizationId).where('m.user_id', userId).first()) as MemberRow | undefined;
}

export async function updateMembership(
  knex: Knex,
  organizationId: string,
  userId: string,
  patch: { role?: Role; disabled_at?: Date | null },
): Promise<void> {
  await knex('memberships').where({ organization_id: organizationId, user_id: userId }).update({ ...patch, updated_at: knex.fn.now() });
}

export async function updateUserName(knex: Knex, userId: string, name: string): Promise<void> {
  await knex('users').where({ id: userId }).update({ name, updated_at: knex.fn.now() });
}

export async function replaceMemberGroups(knex: Knex, organizationId: string, userId: string, groupIds: readonly string[]): Promise<void> {
  await knex('organization_group_members').where({ organization_id: organizationId, user_id: userId }).delete();
  if (groupIds.length > 0) {
    await withDbErrors(() =>
      knex('organization_group_members').insert([...new Set(groupIds)].map((groupId) => ({ group_id: groupId, user_id: userId, organization_id: organizationId }))),
    );
  }
}

/** Active admins of the organization other than `exceptUserId`. */
export async function countOtherActiveAdmins(knex: Knex, organizationId: string, exceptUserId: string): Promise<number> {
  const row = await knex('memberships')
    .where({ organization_id: organizationId, role: 'admin' })
    .whereNull('disabled_at')
    .whereNot('user_id', exceptUserId)
    .count<{ count: number | string }>({ count: '*' })
    .first();
  return Number(row?.count ?? 0);
}

export async function deleteMembership(knex: Knex, organizationId: string, userId: string): Promise<boolean> {
  const rows = await knex('memberships').where({ organization_id: organizationId, user_id: userId }).delete().returning('user_id');
  return rows.length === 1;
}

/** Deletes the user when no membership is left: a user of another organization is never touched. */
export async function deleteUserIfOrphaned(knex: Knex, userId: string): Promise<void> {
  await knex('users').where({ id: userId }).whereNotExists((q) => q.select(knex.raw('1')).from('memberships').where('memberships.user_id', userId)).delete();
}

export async function memberUserIds(knex: Knex, organizationId: string): Promise<string[]> {
  return (await knex('memberships').where({ organization_id: organizationId }).pluck('user_id')) as string[];
}
