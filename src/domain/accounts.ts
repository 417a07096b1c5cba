import type { Knex } from 'knex';
import { activateUser, findUserById, type UserRow } from '../db/accounts.js';
import { findEmailVerification, insertEmailVerification, lockEmailVerification, useEmailVerificationsOf, type EmailVerificationRow } from '../db/email-verifications.js';
import { AppError } from '../shared/errors.js';
import { hashPassword } from '../shared/password.js';
import { passwordError } from '../shared/password-policy.js';
import { ACTIVATION_TOKEN_PREFIX, hashLinkToken, newLinkToken } from './link-tokens.js';
import { mailAccountActivation, type MailContext } from './mails.js';

/**
 * Accounts made for someone else (users.create, issue 17): created pending, with no password, and
 * mailed an activation link. Only whoever reads that mailbox can make the account usable, by
 * choosing its password: an organization admin never sets another person's password, and an
 * account squatted on someone's email never signs in.
 */

/** Issues an activation link for a pending account and mails it, in the caller's transaction. */
export async function sendActivation(
  trx: Knex,
  context: MailContext,
  input: { user: Pick<UserRow, 'id' | 'email'>; organizationName: string; expiresAt: Date },
): Promise<void> {
  const { token, hash } = newLinkToken(ACTIVATION_TOKEN_PREFIX);
  await insertEmailVerification(trx, { userId: input.user.id, tokenHash: hash, expiresAt: input.expiresAt });
  await mailAccountActivation(trx, context, { to: input.user.email, organizationName: input.organizationName, token, expiresAt: input.expiresAt });
}

export const NAME_MAX = 200;

/** The rules of a password and a name chosen on a page (the API's zod schemas say the same). */
export function checkNewCredentials(input: { name: string; password: string }): string | undefined {
  if (input.name.trim().length > NAME_MAX) return `Your name may be at most ${NAME_MAX} characters.`;
  return passwordError(input.password);
}

function linkState(row: EmailVerificationRow | undefined, now: number): void {
  if (!row) throw new AppError('not_found', 'This activation link is not valid. Ask the administrator who created your account to send a new one.');
  if (row.used_at !== null) throw new AppError('conflict', 'This activation link has already been used. Sign in with the password you chose.');
  if (row.expires_at.getTime() <= now) throw new AppError('unprocessable', 'This activation link has expired. Ask the administrator who created your account to send a new one.');
}

/** The pending account an activation link opens, for the page to show; the link is not spent. */
export async function accountOfActivationLink(knex: Knex, token: string, now: number): Promise<UserRow> {
  const row = await findEmailVerification(knex, hashLinkToken(token));
  linkState(row, now);
  const user = await findUserById(knex, row!.user_id);
  if (!user) throw new AppError('not_found', 'This activation link is not valid.');
  return user;
}

/** Spends the link: the email is proven, the password and name are the owner's own. */
export async function activateAccount(knex: Knex, input: { token: string; name: string; password: string; now: number }): Promise<UserRow> {
  const passwordHash = await hashPassword(input.password);
  return knex.transaction(async (trx) => {
    const row = await lockEmailVerification(trx, hashLinkToken(input.token));
    linkState(row, input.now);
    const at = new Date(input.now);
    await activateUser(trx, row!.user_id, { name: input.name.trim(), passwordHash, at });
    await useEmailVerificationsOf(trx, row!.user_id, at);
    return (await findUserById(trx, row!.user_id))!;
  });
}
