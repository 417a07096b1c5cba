import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { withDbErrors } from '../../db/errors.js';
import { jsonb, paginate, type Page, type PageRequest } from '../shared/queries.js';

export interface OrganizationRow {
  id: string;
  name: string;
  role: Role;
  webview_hosts: string[];
  created_at: Date;
  updated_at: Date;
}

/** The organizations `userId` is an active member of, with its role in each. */
export function listOrganizationsOf(knex: Knex, userId: string, page: PageRequest): Promise<Page<OrganizationRow>> {
  const builder = knex('organizations as o')
    .join('memberships as m', 'm.organization_id', 'o.id')
    .where('m.user_id', userId)
    .whereNull('m.disabled_at')
    .select('o.id', 'o.name', 'm.role', 'o.webview_hosts', 'o.created_at', 'o.updated_at');
  return paginate<OrganizationRow>(knex, builder, page, { at: 'o.created_at', id: 'o.id' });
}

export function listClientOrganization(knex: Knex, organizationId: string, role: string, page: PageRequest): Promise<Page<OrganizationRow>> {
  const builder = knex('organizations as o')
    .where('o.id', organizationId)
    .select('o.id', 'o.name', knex.raw('?::text as role', [role]), 'o.webview_hosts', 'o.created_at', 'o.updated_at');
  return paginate<OrganizationRow>(knex, builder, page, { at: 'o.created_at', id: 'o.id' });
}

export async function findOrganizationById(knex: Knex, id: string): Promise<Omit<OrganizationRow, 'role'> | undefined> {
  return knex('organizations').where({ id }).first('id', 'name', 'webview_hosts', 'created_at', 'updated_at');
}

export async function updateOrganizationRow(knex: Knex, id: string, patch: { name?: string | undefined; webview_hosts?: string[] | undefined }): Promise<void> {
  const values: Record<string, unknown> = { updated_at: knex.fn.now() };
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.webview_hosts !== undefined) values.webview_hosts = jsonb(knex, patch.webview_hosts);
  await withDbErrors(() => knex('organizations').where({ id }).update(values));
}

export async function deleteOrganization(knex: Knex, id: string): Promise<boolean> {
  return (await knex('organizations').where({ id }).delete().returning('id')).length === 1;
}

export async function userExists(knex: Knex, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  return (await knex('users').where({ id }).first('id')) !== undefined;
}
