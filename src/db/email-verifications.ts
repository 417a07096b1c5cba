import type { Knex } from 'knex';

// Single-use, expiring account-activation links (issue 17); only a hash of the token is stored.

export interface EmailVerificationRow {
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

export async function insertEmailVerification(knex: Knex, input: { userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  await knex('email_verifications').insert({ user_id: input.userId, token_hash: input.tokenHash, expires_at: input.expiresAt });
}

export async function findEmailVerification(knex: Knex, tokenHash: string): Promise<EmailVerificationRow | undefined> {
  return (await knex('email_verifications').where({ token_hash: tokenHash }).first()) as EmailVerificationRow | undefined;
}

/** The link's row, locked until the transaction ends (two submissions cannot both win). */
export async function lockEmailVerification(knex: Knex, tokenHash: string): Promise<EmailVerificationRow | undefined> {
  return (await knex('email_verifications').where({ token_hash: tokenHash }).forUpdate().first()) as EmailVerificationRow | undefined;
}

/** Spends every open link of the user: once the email is proven, older links are worthless. */
export async function useEmailVerificationsOf(knex: Knex, userId: string, at: Date): Promise<void> {
  await knex('email_verifications').where({ user_id: userId }).whereNull('used_at').update({ used_at: at });
}
