import type { Knex } from 'knex';

export interface ServiceRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  group_id: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export function filterServices(_knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>): void {
  if (typeof query.active === 'boolean') builder.where('services.active', query.active);
  if (typeof query.group_id === 'string') builder.where('services.group_id', query.group_id);
}
