import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import type { UserRow } from '../../db/accounts.js';

export interface MembershipWithOrganization {
  organizationId: string;
  organizationName: string;
  role: Role;
}

export async function findUserById(knex: Knex, id: string): Promise<UserRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return knex('users').where({ id }).first<UserRow | undefined>();
}

export async function listMemberships(knex: Knex, userId: string): Promise<MembershipWithOrganization[]> {
  const rows: Array<{ organization_id: string; name: string; role: Role }> = await knex('memberships')
    .join('organizations', 'organizations.id', 'memberships.organization_id')
    .where('memberships.user_id', userId)
    .orderBy('organizations.name')
    .select('memberships.organization_id', 'organizations.name', 'memberships.role');
  return rows.map((r) => ({ organizationId: r.organization_id, organizationName: r.name, role: r.role }));
}

export async function findMembershipRole(knex: Knex, userId: string, organizationId: string): Promise<Role | undefined> {
  const row = await knex('memberships').where({ user_id: userId, organization_id: organizationId }).first<{ role: Role } | undefined>('role');
  return row?.role;
}

export async function setUserDisabled(knex: Knex, userId: string, at: Date | null): Promise<boolean> {
  return (await knex('users').where({ id: userId }).update({ disabled_at: at, updated_at: knex.fn.now() })) === 1;
}
