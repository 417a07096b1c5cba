import type { Knex } from 'knex';
import type { Role } from '../contract/roles.js';
import { withDbErrors } from './errors.js';

export interface ApiKeyRow {
  id: string;
  organization_id: string;
  user_id: string;
  name: string;
  scopes: string[];
  display_prefix: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

/** A key as the gateway needs it to authenticate: with its creator's current standing. */
export interface ApiKeyCredential extends ApiKeyRow {
  creator_role: Role | null;
  creator_disabled_at: Date | null;
}

const publicColumns = [
  'api_keys.id', 'api_keys.organization_id', 'api_keys.user_id', 'api_keys.name', 'api_keys.scopes',
  'api_keys.display_prefix', 'api_keys.expires_at', 'api_keys.last_used_at', 'api_keys.revoked_at', 'api_keys.created_at',
];

export async function insertApiKey(
  knex: Knex,
  input: { organizationId: string; userId: string; name: string; scopes: string[]; displayPrefix: string; secretHash: string; expiresAt: Date | null },
): Promise<ApiKeyRow> {
  const [row] = await withDbErrors(() =>
    knex('api_keys')
      .insert({
        organization_id: input.organizationId,
        user_id: input.userId,
        name: input.name,
        scopes: input.scopes,
        display_prefix: input.displayPrefix,
        secret_hash: input.secretHash,
        expires_at: input.expiresAt,
      })
      .returning(publicColumns.map((c) => c.replace('api_keys.', ''))),
  );
  return row as ApiKeyRow;
}

export async function findApiKeyByHash(knex: Knex, secretHash: string): Promise<ApiKeyCredential | undefined> {
  return knex('api_keys')
    .leftJoin('memberships', function () {
      this.on('memberships.user_id', 'api_keys.user_id').andOn('memberships.organization_id', 'api_keys.organization_id');
    })
    .leftJoin('users', 'users.id', 'api_keys.user_id')
    .where('api_keys.secret_hash', secretHash)
    .first([...publicColumns, 'memberships.role as creator_role', 'users.disabled_at as creator_disabled_at']);
}

export interface ApiKeyListFilter {
  organizationId: string;
  /** Only this user's keys; every key of the organization when absent. */
  userId?: string;
  /** Keyset cursor: keys created before this (created_at, id). */
  before?: { createdAt: Date; id: string };
  limit: number;
}

export async function listApiKeys(knex: Knex, filter: ApiKeyListFilter): Promise<ApiKeyRow[]> {
  const query = knex('api_keys')
    .where('api_keys.organization_id', filter.organizationId)
    .orderBy([{ column: 'api_keys.created_at', order: 'desc' }, { column: 'api_keys.id', order: 'desc' }])
    .limit(filter.limit)
    .select(publicColumns);
  if (filter.userId) query.andWhere('api_keys.user_id', filter.userId);
  if (filter.before) {
    const { createdAt, id } = filter.before;
    query.andWhere((q) => q.where('api_keys.created_at', '<', createdAt).orWhere((q2) => q2.where('api_keys.created_at', createdAt).andWhere('api_keys.id', '<', id)));
  }
  return query;
}

export async function findApiKey(knex: Knex, organizationId: string, id: string): Promise<ApiKeyRow | undefined> {
  return knex('api_keys').where({ 'api_keys.organization_id': organizationId, 'api_keys.id': id }).first(publicColumns);
}

/** Marks the key revoked; returns the row, or undefined when there is no such key. Idempotent. */
export async function markApiKeyRevoked(knex: Knex, organizationId: string, id: string, at: Date): Promise<ApiKeyRow | undefined> {
  const [row] = await knex('api_keys')
    .where({ organization_id: organizationId, id })
    .update({ revoked_at: knex.raw('coalesce(revoked_at, ?)', [at]) })
    .returning(publicColumns.map((c) => c.replace('api_keys.', '')));
  return row as ApiKeyRow | undefined;
}

/** `last_used_at`, written at most once a minute per key whatever the request rate. */
export async function touchApiKey(knex: Knex, id: string, at: Date): Promise<void> {
  await knex('api_keys')
    .where({ id })
    .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(at.getTime() - 60_000)))
    .update({ last_used_at: at });
}
