import type { Knex } from 'knex';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../contract/api-key.js';
import { highestRole, isRole, roleAllows, type Role } from '../contract/roles.js';
import { AppError } from '../shared/errors.js';
import { withDbErrors } from './errors.js';

export interface ApiKeyRow {
  id: string;
  organization_id: string;
  user_id: string;
  name: string;
  scopes: Role[];
  display_prefix: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

/** A key as the gateway needs it to authenticate: with its creator's current standing. */
export interface ApiKeyCredential extends ApiKeyRow {
  /** The stored keyed hash that matched (rehashed when made with a previous root secret). */
  secret_hash: string;
  creator_role: Role | null;
  creator_disabled_at: Date | null;
}

export const apiKeyColumns = [
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
      .returning(apiKeyColumns.map((c) => c.replace('api_keys.', ''))),
  );
  return row as ApiKeyRow;
}

/** By keyed hash: several during a root-secret rotation (one per accepted secret). */
export async function findApiKeyByHash(knex: Knex, secretHashes: string | readonly string[]): Promise<ApiKeyCredential | undefined> {
  return knex('api_keys')
    .leftJoin('memberships', function () {
      this.on('memberships.user_id', 'api_keys.user_id').andOn('memberships.organization_id', 'api_keys.organization_id');
    })
    .leftJoin('users', 'users.id', 'api_keys.user_id')
    .whereIn('api_keys.secret_hash', typeof secretHashes === 'string' ? [secretHashes] : secretHashes)
    .first([...apiKeyColumns, 'api_keys.secret_hash', 'memberships.role as creator_role', 'users.disabled_at as creator_disabled_at']);
}

export async function findApiKey(knex: Knex, organizationId: string, id: string): Promise<ApiKeyRow | undefined> {
  return knex('api_keys').where({ 'api_keys.organization_id': organizationId, 'api_keys.id': id }).first(apiKeyColumns);
}

/** Marks the key revoked; returns the row, or undefined when there is no such key. Idempotent. */
export async function markApiKeyRevoked(knex: Knex, organizationId: string, id: string, at: Date): Promise<ApiKeyRow | undefined> {
  const [row] = await knex('api_keys')
    .where({ organization_id: organizationId, id })
    .update({ revoked_at: knex.raw('coalesce(revoked_at, ?)', [at]) })
    .returning(apiKeyColumns.map((c) => c.replace('api_keys.', '')));
  return row as ApiKeyRow | undefined;
}

/** `last_used_at`, written at most once a minute per key whatever the request rate. */
export async function touchApiKey(knex: Knex, id: string, at: Date): Promise<void> {
  await knex('api_keys')
    .where({ id })
    .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(at.getTime() - 60_000)))
    .update({ last_used_at: at });
}

export interface NewApiKey {
  organizationId: string;
  userId: string;
  /** The most the key may hold: the creator's role, capped by the credential creating it. */
  creatorRole: Role;
  name: string;
  scopes: string[];
  expiresAt: Date | undefined;
}

/**
 * Creates a key (seeds 000, 001): scopes are role scopes no wider than the creator's role; the
 * expiry is at most `maxLifetimeDays` away (and that when none is asked). Returns the row and
 * the secret, which is never stored and never shown again.
 */
export async function issueApiKey(
  knex: Knex,
  input: NewApiKey,
  options: { hashSecret: Uint8Array; maxLifetimeDays: number; now: number },
): Promise<{ row: ApiKeyRow; key: string }> {
  const scopes = [...new Set(input.scopes)];
  const widest = highestRole(scopes);
  // The contract's schema already allows only roles; the rows do not rely on it.
  if (widest === undefined || scopes.length !== input.scopes.length || !scopes.every(isRole)) {
    throw new AppError('validation_failed', 'scopes: must be distinct role scopes (guest, agent, bot, admin).', {
      details: { fields: [{ field: 'scopes', message: 'must be distinct role scopes' }] },
    });
  }
  if (!roleAllows(input.creatorRole, widest)) {
    throw new AppError('insufficient_scope', `A key may not hold more than your role (${input.creatorRole}); it asked for ${widest}.`, {
      details: { required_scope: widest },
    });
  }
  const latest = options.now + options.maxLifetimeDays * 86_400_000;
  const expiresAt = input.expiresAt ?? new Date(latest);
  if (expiresAt.getTime() <= options.now || expiresAt.getTime() > latest) {
    throw new AppError('validation_failed', `expiresAt: must be in the future and at most ${options.maxLifetimeDays} days away.`, {
      details: { fields: [{ field: 'expiresAt', message: `must be in the future and at most ${options.maxLifetimeDays} days away` }] },
    });
  }
  const key = generateApiKey();
  const row = await insertApiKey(knex, {
    organizationId: input.organizationId,
    userId: input.userId,
    name: input.name,
    scopes,
    displayPrefix: apiKeyDisplayPrefix(key),
    secretHash: hashApiKey(key, options.hashSecret),
    expiresAt,
  });
  return { row, key };
}

export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    prefix: row.display_prefix,
    user_id: row.user_id,
    organization_id: row.organization_id,
    expires_at: row.expires_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

/** Rehash on use: a key found by a previous root secret's hash gets the active one's. */
export async function rehashApiKey(knex: Knex, id: string, from: string, to: string): Promise<void> {
  await knex('api_keys').where({ id, secret_hash: from }).update({ secret_hash: to });
}
