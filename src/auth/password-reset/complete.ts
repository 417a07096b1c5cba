import type { Knex } from 'knex';
import { resetPassword, type ResetContext } from '../../domain/password-resets.js';
import type { MailLocale } from '../../shared/mail-locales.js';
import { revokeEverythingOfUser, type RevocationDeps } from '../grants/revoke-grant.js';

/**
 * Sets the new password with a reset link, then ends everything the old one opened (issue 18):
 * every session, grant, refresh token (OAuth and first-party) and access token of the user, at
 * every gateway within a second. API keys are the user's own deliberate credentials and stay; the
 * docs say to revoke them on the account page after a compromise.
 */
export async function completePasswordReset(
  deps: { knex: Knex; context: ResetContext; revocation: RevocationDeps },
  input: { token: string; password: string; now: number; locale?: MailLocale | undefined },
): Promise<{ email: string }> {
  const user = await resetPassword(deps.knex, deps.context, input);
  await revokeEverythingOfUser(deps.revocation, user.id);
  return { email: user.email };
}
