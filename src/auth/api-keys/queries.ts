import type { Knex } from 'knex';
import { apiKeyColumns, type ApiKeyRow } from '../../db/api-keys.js';

/** The user's live keys in every organization, newest first (the account page shows at most 100). */
export async function listKeysOfUser(knex: Knex, userId: string): Promise<ApiKeyRow[]> {
  return knex('api_keys')
    .where({ 'api_keys.user_id': userId })
    .whereNull('api_keys.revoked_at')
    .orderBy([{ column: 'api_keys.created_at', order: 'desc' }, { column: 'api_keys.id', order: 'desc' }])
    .limit(100)
    .select(apiKeyColumns);
}
