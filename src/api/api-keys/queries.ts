import type { Knex } from 'knex';
import { apiKeyColumns, type ApiKeyRow } from '../../db/api-keys.js';
import { paginate, scopedTable, type Page, type PageRequest } from '../shared/queries.js';

export async function listKeys(
  knex: Knex,
  filter: { organizationId: string; userId?: string | undefined; includeRevoked: boolean },
  page: PageRequest,
): Promise<Page<ApiKeyRow>> {
  const builder = scopedTable(knex, 'api_keys', filter.organizationId).select(apiKeyColumns);
  if (filter.userId) builder.andWhere('api_keys.user_id', filter.userId);
  if (!filter.includeRevoked) builder.whereNull('api_keys.revoked_at');
  return paginate<ApiKeyRow>(knex, builder, page, { at: 'api_keys.created_at', id: 'api_keys.id' });
}
