import type { Knex } from 'knex';
import { canSignIn, findUserByEmail, findUserById, type UserRow } from '../db/accounts.js';
import {
  findAccountLink, insertAccountLink, lockAccountLink, markAccountLinkUsed, supersedeAccountLinks, type EmailChangeRow,
} from '../db/account-links.js';
import { withDbErrors } from '../db/errors.js';
import { fieldRefused } from '../contract/field-errors.js';
import type { Config } from '../shared/config/index.js';
import { AppError } from '../shared/errors.js';
import type { MailLocale } from '../shared/mail-locales.js';
import { linkProblem, linkRefused, type LinkRefusal } from './account-links.js';
import { EMAIL_CHANGE_CONFIRM_PAGE, EMAIL_CHANGE_TOKEN_PREFIX, hashLinkToken, linkTo, newLinkToken, PASSWORD_RESET_PAGE } from './link-tokens.js';
import { queueMail, type MailContext } from './mails.js';

/**
 * Changing the email address of an account (issue 18): the signed-in owner asks (after proving
 * the password, caller's job), a single-use link goes to the new address, and only when it is
 * opened does the address change; then the old address is told. An address already taken gets no
 * link, and the asker hears the same as for a free one (no enumeration through this form).
 */
export interface EmailChangeContext extends MailContext {
  config: MailContext['config'] & Pick<Config, 'EMAIL_CHANGE_TTL_HOURS'>;
}

const MESSAGES: Record<LinkRefusal, string> = {
  invalid: 'This confirmation link is not valid. Open the link exactly as it is in the mail, or ask for the change again on your account page.',
  used: 'This confirmation link has already been used: the address was changed.',
  superseded: 'A newer confirmation link was sent; this one no longer works. Use the link in the newest mail.',
  expired: 'This confirmation link has expired. Ask for the change again on your account page.',
  stale: 'The account\'s address changed since this link was sent, so it no longer works.',
};

function problemOf(row: EmailChangeRow | undefined, user: UserRow | undefined, now: number): LinkRefusal | undefined {
  const problem = linkProblem(row, now);
  if (problem) return problem;
  if (!user || !canSignIn(user)) return 'invalid';
  return user.email.toLowerCase() === row!.old_email.toLowerCase() ? undefined : 'stale';
}

export async function requestEmailChange(
  knex: Knex,
  context: EmailChangeContext,
  input: { user: Pick<UserRow, 'id' | 'email'>; newEmail: string; now: number; locale?: MailLocale | undefined },
): Promise<void> {
  if (input.newEmail.toLowerCase() === input.user.email.toLowerCase()) throw fieldRefused('email', 'is already the address of this account');
  if (await findUserByEmail(knex, input.newEmail)) return;
  const { token, hash } = newLinkToken(EMAIL_CHANGE_TOKEN_PREFIX);
  const expiresAt = new Date(input.now + context.config.EMAIL_CHANGE_TTL_HOURS * 3_600_000);
  await knex.transaction(async (trx) => {
    await supersedeAccountLinks(trx, 'email_changes', input.user.id, new Date(input.now));
    await insertAccountLink(trx, 'email_changes', { user_id: input.user.id, token_hash: hash, old_email: input.user.email, new_email: input.newEmail, expires_at: expiresAt });
    await queueMail(trx, context, {
      to: input.newEmail, purpose: 'email_change', locale: input.locale,
      params: { oldEmail: input.user.email, newEmail: input.newEmail, link: linkTo(context.config.PUBLIC_URL, EMAIL_CHANGE_CONFIRM_PAGE, token), expiresAt },
    });
  });
}

/** The change a link would make, for the page to show; the link is not spent. */
export async function emailChangeOfLink(knex: Knex, token: string, now: number): Promise<{ oldEmail: string; newEmail: string }> {
  const row = await findAccountLink(knex, 'email_changes', hashLinkToken(token));
  const problem = problemOf(row, row ? await findUserById(knex, row.user_id) : undefined, now);
  if (problem) throw linkRefused(problem, MESSAGES[problem]);
  return { oldEmail: row!.old_email, newEmail: row!.new_email };
}

/** Spends the link: the new address replaces the old, which is told by mail. */
export async function confirmEmailChange(
  knex: Knex,
  context: EmailChangeContext,
  input: { token: string; now: number; locale?: MailLocale | undefined },
): Promise<{ oldEmail: string; newEmail: string }> {
  return knex.transaction(async (trx) => {
    const row = await lockAccountLink(trx, 'email_changes', hashLinkToken(input.token));
    const user = row ? await trx('users').where({ id: row.user_id }).forUpdate().first<UserRow | undefined>() : undefined;
    const problem = problemOf(row, user, input.now);
    if (problem) throw linkRefused(problem, MESSAGES[problem]);
    const taken = await findUserByEmail(trx, row!.new_email);
    if (taken && taken.id !== user!.id) throw new AppError('conflict', 'This address now belongs to another account, so it cannot become yours.', { details: { reason: 'taken' } });
    const at = new Date(input.now);
    await withDbErrors(() => trx('users').where({ id: user!.id }).update({ email: row!.new_email, updated_at: trx.fn.now() }));
    await markAccountLinkUsed(trx, 'email_changes', row!.id, at);
    await supersedeAccountLinks(trx, 'email_changes', user!.id, at);
    await queueMail(trx, context, {
      to: row!.old_email, purpose: 'email_changed', locale: input.locale,
      params: { oldEmail: row!.old_email, newEmail: row!.new_email, at, resetLink: new URL(PASSWORD_RESET_PAGE, context.config.PUBLIC_URL).href },
    });
    return { oldEmail: row!.old_email, newEmail: row!.new_email };
  });
}
