import type { Knex } from 'knex';

export interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  organization_id: string;
  expires_at: Date;
  consumed_at: Date | null;
  family_revoked_at: Date | null;
}

export async function insertRefreshToken(
  knex: Knex,
  row: { familyId: string; userId: string; organizationId: string; secretHash: string; expiresAt: Date },
): Promise<void> {
  await knex('first_party_refresh_tokens').insert({
    family_id: row.familyId,
    user_id: row.userId,
    organization_id: row.organizationId,
    secret_hash: row.secretHash,
    expires_at: row.expiresAt,
  });
}

export async function findRefreshToken(knex: Knex, secretHash: string): Promise<RefreshTokenRow | undefined> {
  return knex('first_party_refresh_tokens').where({ secret_hash: secretHash }).first();
}

/**
 * Consumes a live token in one statement, so of two concurrent refreshes with the same token
 * exactly one gets the row back.
 */
export async function consumeRefreshToken(knex: Knex, secretHash: string, now: Date): Promise<RefreshTokenRow | undefined> {
  const [row] = await knex('first_party_refresh_tokens')
    .where({ secret_hash: secretHash })
    .whereNull('consumed_at')
    .whereNull('family_revoked_at')
    .andWhere('expires_at', '>', now)
    .update({ consumed_at: now })
    .returning('*');
  return row as RefreshTokenRow | undefined;
}

export async function revokeRefreshFamily(knex: Knex, familyId: string, now: Date): Promise<void> {
  await knex('first_party_refresh_tokens').where({ family_id: familyId }).whereNull('family_revoked_at').update({ family_revoked_at: now });
}

/** Revokes every family of the user (disabled, password reset). */
export async function revokeRefreshFamiliesOfUser(knex: Knex, userId: string, now: Date): Promise<void> {
  await knex('first_party_refresh_tokens').where({ user_id: userId }).whereNull('family_revoked_at').update({ family_revoked_at: now });
}

export async function deleteExpiredRefreshTokens(knex: Knex, now: Date): Promise<number> {
  return knex('first_party_refresh_tokens').where('expires_at', '<=', now).delete();
}
