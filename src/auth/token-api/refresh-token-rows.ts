import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import type { SignInState } from '../../db/accounts.js';
import { revokedCondition, type RevocableClaims } from '../tokens/revocation-rows.js';

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

export interface RefreshTokenHolder extends SignInState {
  email: string;
  /** The role of their active membership in the token's organization, if any. */
  role: Role | null;
}

// The token, its user and the membership it was issued for, in one statement.
const FIND_WITH_HOLDER = `
select t.id, t.family_id, t.user_id, t.organization_id, t.expires_at, t.consumed_at, t.family_revoked_at,
  u.email, u.disabled_at, u.email_verified_at, m.role
from first_party_refresh_tokens t
join users u on u.id = t.user_id
left join memberships m on m.organization_id = t.organization_id and m.user_id = t.user_id and m.disabled_at is null
where t.secret_hash = ?`;

export interface TokenWithHolder {
  token: RefreshTokenRow;
  holder: RefreshTokenHolder;
}

/** A FIND_WITH_HOLDER row split into the token and its holder. */
function withHolder(row: RefreshTokenRow & RefreshTokenHolder): TokenWithHolder {
  const { email, disabled_at, email_verified_at, role, ...token } = row;
  return { token, holder: { email, disabled_at, email_verified_at, role } };
}

export async function findRefreshTokenWithHolder(knex: Knex, secretHash: string): Promise<TokenWithHolder | undefined> {
  const { rows }: { rows: Array<RefreshTokenRow & RefreshTokenHolder> } = await knex.raw(FIND_WITH_HOLDER, [secretHash]);
  return rows[0] && withHolder(rows[0]);
}

/**
 * findRefreshTokenWithHolder for a refresh with the current access token as Bearer, asking in the
 * same statement whether a revocation in force names that access token (revokedCondition).
 */
export async function findRefreshTokenForBearer(
  knex: Knex,
  secretHash: string,
  bearer: RevocableClaims,
  now: Date,
): Promise<{ found: TokenWithHolder | undefined; bearerRevoked: boolean }> {
  const revoked = revokedCondition('r', bearer, now);
  const { rows }: { rows: Array<{ bearer_revoked: boolean; id: string | null } & RefreshTokenRow & RefreshTokenHolder> } = await knex.raw(
    `select exists (select 1 from revocations r where ${revoked.sql}) as bearer_revoked, t.* from (select 1) as one left join (${FIND_WITH_HOLDER}) as t on true`,
    [...revoked.bindings, secretHash],
  );
  // No such token: the left join's columns are all null.
  const { bearer_revoked: bearerRevoked, ...row } = rows[0]!;
  return { bearerRevoked, found: row.id === null ? undefined : withHolder(row) };
}

// Consumes a live token and inserts the next of its family in one statement: of two concurrent
// rotations of the same token exactly one gets a row back (the UPDATE's row lock decides).
const ROTATE = `
with consumed as (
  update first_party_refresh_tokens set consumed_at = ?
  where secret_hash = ? and consumed_at is null and family_revoked_at is null and expires_at > ?
  returning family_id, user_id, organization_id)
insert into first_party_refresh_tokens (family_id, user_id, organization_id, secret_hash, expires_at)
select family_id, user_id, organization_id, ?, ? from consumed
returning family_id, organization_id`;

export async function rotateRefreshToken(
  knex: Knex,
  input: { secretHash: string; nextSecretHash: string; now: Date; nextExpiresAt: Date },
): Promise<{ family_id: string; organization_id: string } | undefined> {
  const { rows }: { rows: Array<{ family_id: string; organization_id: string }> } = await knex.raw(ROTATE, [
    input.now, input.secretHash, input.now, input.nextSecretHash, input.nextExpiresAt,
  ]);
  return rows[0];
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

/** The sweeper's (auth/storage/sweeper.ts): an expired token is refused anyway, its row is only weight. */
export async function deleteExpiredRefreshTokens(knex: Knex, now: Date): Promise<number> {
  // Counted from `returning`: on the embedded database (knex-pglite) a bare delete resolves to the
  // driver's result object, not to the row count.
  const deleted = await knex('first_party_refresh_tokens').where('expires_at', '<=', now).delete().returning('id');
  return deleted.length;
}
