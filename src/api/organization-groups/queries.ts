import type { Knex } from 'knex';

export interface OrganizationGroupRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  member_count: number | string;
  created_at: Date;
  updated_at: Date;
}

export function withMemberCount(knex: Knex, builder: Knex.QueryBuilder): void {
  builder.select(
    knex.raw('(select count(*) from organization_group_members gm where gm.group_id = organization_groups.id) as member_count'),
  );
}

export function filterGroups(_knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>): void {
  if (typeof query.name === 'string') builder.where('organization_groups.name', query.name);
}

export async function groupExists(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await knex('organization_groups').where({ organization_id: organizationId, id }).first('id')) !== undefined;
}

/** The ids among `ids` that are not groups of the organization. */
export async function missingGroups(knex: Knex, organizationId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await knex('organization_groups').where({ organization_id: organizationId }).whereIn('id', ids).pluck('id');
  const present = new Set(found as string[]);
  return ids.filter((id) => !present.has(id));
}
