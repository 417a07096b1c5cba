import type { Knex } from 'knex';

// Single-use links of issue 18 (`password_resets`, `email_changes`): only a hash of the token is
// stored; a newer link of the same user supersedes the open ones.

export type AccountLinkTable = 'password_resets' | 'email_changes';

export interface AccountLinkRow {
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  superseded_at: Date | null;
  created_at: Date;
}

export interface PasswordResetRow extends AccountLinkRow {
  /** A digest of the password hash the link may replace: any other change of password voids it. */
  password_binding: string;
}

export interface EmailChangeRow extends AccountLinkRow {
  old_email: string;
  new_email: string;
}

export interface AccountLinkRows {
  password_resets: PasswordResetRow;
  email_changes: EmailChangeRow;
}

export async function insertAccountLink<T extends AccountLinkTable>(
  knex: Knex,
  table: T,
  row: Omit<AccountLinkRows[T], 'id' | 'used_at' | 'superseded_at' | 'created_at'>,
): Promise<void> {
  await knex(table).insert(row);
}

export async function findAccountLink<T extends AccountLinkTable>(knex: Knex, table: T, tokenHash: string): Promise<AccountLinkRows[T] | undefined> {
  return (await knex(table).where({ token_hash: tokenHash }).first()) as AccountLinkRows[T] | undefined;
}

/** The link's row, locked until the transaction ends (two submissions cannot both win). */
export async function lockAccountLink<T extends AccountLinkTable>(knex: Knex, table: T, tokenHash: string): Promise<AccountLinkRows[T] | undefined> {
  return (await knex(table).where({ token_hash: tokenHash }).forUpdate().first()) as AccountLinkRows[T] | undefined;
}

/** Supersedes every open link of the user (a newer one was sent, or one was used). */
export async function supersedeAccountLinks(knex: Knex, table: AccountLinkTable, userId: string, at: Date): Promise<void> {
  await knex(table).where({ user_id: userId }).whereNull('used_at').whereNull('superseded_at').update({ superseded_at: at });
}

export async function markAccountLinkUsed(knex: Knex, table: AccountLinkTable, id: string, at: Date): Promise<void> {
  await knex(table).where({ id }).update({ used_at: at });
}
