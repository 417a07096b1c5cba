import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { listMemberships } from '../../db/accounts.js';

export interface MembershipWithOrganization {
  organizationId: string;
  organizationName: string;
  role: Role;
}

/** The user's active memberships as the pages show them, by organization name. */
export async function listOrganizationsOfUser(knex: Knex, userId: string): Promise<MembershipWithOrganization[]> {
  return (await listMemberships(knex, userId))
    .map((m) => ({ organizationId: m.organization_id, organizationName: m.organization_name, role: m.role }))
    .sort((a, b) => a.organizationName.localeCompare(b.organizationName));
}

export async function setUserDisabled(knex: Knex, userId: string, at: Date | null): Promise<boolean> {
  return (await knex('users').where({ id: userId }).update({ disabled_at: at, updated_at: knex.fn.now() })) === 1;
}
