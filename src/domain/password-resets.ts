import type { Knex } from 'knex';
import { canSignIn, findUserByEmail, findUserById, type UserRow } from '../db/accounts.js';
import {
  findAccountLink, insertAccountLink, lockAccountLink, markAccountLinkUsed, supersedeAccountLinks, type PasswordResetRow,
} from '../db/account-links.js';
import { fieldRefused } from '../contract/field-errors.js';
import type { Config } from '../shared/config/index.js';
import { sha256 } from '../shared/digest.js';
import type { MailLocale } from '../shared/mail-locales.js';
import { hashPassword } from '../shared/password.js';
import { checkPassword, PASSWORD_PROBLEMS } from '../shared/password-policy.js';
import { linkProblem, linkRefused, type LinkRefusal } from './account-links.js';
import { hashLinkToken, linkTo, newLinkToken, PASSWORD_RESET_CONFIRM_PAGE, PASSWORD_RESET_PAGE, PASSWORD_RESET_TOKEN_PREFIX } from './link-tokens.js';
import { queueMail, type MailContext } from './mails.js';

/**
 * Password reset (issue 18). A link is mailed to the account's address; it works once, for
 * PASSWORD_RESET_TTL_MINUTES, only while the password is still the one it replaces (its
 * `password_binding`), and only until a newer link is asked for. Only an account that can sign in
 * gets one: a pending account is activated by its own link, a disabled one stays disabled. The
 * caller answers the same whatever happens here (auth/password-reset: no enumeration) and, after a
 * reset, revokes every session and token of the user.
 */
export interface ResetContext extends MailContext {
  config: MailContext['config'] & Pick<Config, 'PASSWORD_RESET_TTL_MINUTES'>;
}

const bindingOf = (passwordHash: string | null) => sha256(`password-reset\0${passwordHash ?? ''}`);

const MESSAGES: Record<LinkRefusal, string> = {
  invalid: 'This password-reset link is not valid. Open the link exactly as it is in the mail, or ask for a new one.',
  used: 'This password-reset link has already been used. Sign in with your new password, or ask for a new link.',
  superseded: 'A newer password-reset link was sent to you; this one no longer works. Use the link in the newest mail.',
  expired: 'This password-reset link has expired. Ask for a new one.',
  stale: 'The password was changed since this link was sent, so it no longer works. Ask for a new one if you need it.',
};

/** Why the link cannot reset the password of `user`, or undefined. */
function problemOf(row: PasswordResetRow | undefined, user: UserRow | undefined, now: number): LinkRefusal | undefined {
  const problem = linkProblem(row, now);
  if (problem) return problem;
  if (!user || !canSignIn(user)) return 'invalid';
  return bindingOf(user.password_hash) === row!.password_binding ? undefined : 'stale';
}

/** Mails a reset link to the address's account, if there is one that can sign in; else nothing. */
export async function requestPasswordReset(knex: Knex, context: ResetContext, input: { email: string; now: number; locale?: MailLocale | undefined }): Promise<void> {
  const user = input.email.length <= 254 ? await findUserByEmail(knex, input.email) : undefined;
  if (!user || !canSignIn(user)) return;
  const { token, hash } = newLinkToken(PASSWORD_RESET_TOKEN_PREFIX);
  const at = new Date(input.now);
  const expiresAt = new Date(input.now + context.config.PASSWORD_RESET_TTL_MINUTES * 60_000);
  await knex.transaction(async (trx) => {
    await supersedeAccountLinks(trx, 'password_resets', user.id, at);
    await insertAccountLink(trx, 'password_resets', { user_id: user.id, token_hash: hash, password_binding: bindingOf(user.password_hash), expires_at: expiresAt });
    await queueMail(trx, context, {
      to: user.email, purpose: 'password_reset', locale: input.locale,
      params: { email: user.email, link: linkTo(context.config.PUBLIC_URL, PASSWORD_RESET_CONFIRM_PAGE, token), expiresAt },
    });
  });
}

/** The account a reset link opens, for the page to show; the link is not spent. */
export async function accountOfResetLink(knex: Knex, token: string, now: number): Promise<UserRow> {
  const row = await findAccountLink(knex, 'password_resets', hashLinkToken(token));
  const user = row ? await findUserById(knex, row.user_id) : undefined;
  const problem = problemOf(row, user, now);
  if (problem) throw linkRefused(problem, MESSAGES[problem]);
  return user!;
}

/**
 * Spends the link: the new password replaces the old, every other open link is void, and the
 * owner is told by mail. The caller revokes the user's sessions and tokens after this commits.
 */
export async function resetPassword(
  knex: Knex,
  context: ResetContext,
  input: { token: string; password: string; now: number; locale?: MailLocale | undefined },
): Promise<UserRow> {
  const problem = checkPassword(input.password);
  if (problem) throw fieldRefused('password', PASSWORD_PROBLEMS[problem]);
  const passwordHash = await hashPassword(input.password);
  return knex.transaction(async (trx) => {
    const row = await lockAccountLink(trx, 'password_resets', hashLinkToken(input.token));
    const user = row ? await trx('users').where({ id: row.user_id }).forUpdate().first<UserRow | undefined>() : undefined;
    const refusal = problemOf(row, user, input.now);
    if (refusal) throw linkRefused(refusal, MESSAGES[refusal]);
    const at = new Date(input.now);
    await trx('users').where({ id: user!.id }).update({ password_hash: passwordHash, updated_at: trx.fn.now() });
    await markAccountLinkUsed(trx, 'password_resets', row!.id, at);
    await supersedeAccountLinks(trx, 'password_resets', user!.id, at);
    await queueMail(trx, context, {
      to: user!.email, purpose: 'password_changed', locale: input.locale,
      params: { email: user!.email, at, resetLink: new URL(PASSWORD_RESET_PAGE, context.config.PUBLIC_URL).href },
    });
    return user!;
  });
}
