import type { Knex } from 'knex';
import type { Role } from '../contract/roles.js';
import { activateUser, findUserByEmail, insertMembership, insertUser, type UserRow } from '../db/accounts.js';
import { recordChange } from './record-change.js';
import { useEmailVerificationsOf } from '../db/email-verifications.js';
import {
  findInvitationByTokenHash, isMember, joinExistingGroups, lockInvitationByTokenHash, markAccepted, type InvitationRow,
} from '../db/invitations.js';
import { AppError } from '../shared/errors.js';
import { hashPassword } from '../shared/password.js';
import { hashLinkToken } from './link-tokens.js';

/**
 * Accepting an invitation (seed 000 "invite a customer to a property"; issue 17). The token
 * reaches only the invitee's mailbox, so holding it proves control of the invited email, and
 * nothing more:
 * - an email with no account, or with one never activated (made by users.create): the invitee
 *   chooses name and password with the link, which verifies the email;
 * - an email with a usable account: only that account, signed in, accepts. The link alone never
 *   attaches a membership to an account, so nobody joins an organization without signing in.
 */
export type Acceptor =
  | { kind: 'new_account'; name: string; password: string }
  | { kind: 'signed_in'; user: Pick<UserRow, 'id' | 'email'> };

/** What the invitee's email already has: nothing, an account never activated, or a usable one. */
export type AccountState = 'none' | 'pending' | 'active';

export function accountState(user: UserRow | undefined): AccountState {
  if (!user) return 'none';
  return user.email_verified_at === null ? 'pending' : 'active';
}

export interface InvitationView {
  invitation: InvitationRow;
  organizationName: string;
  account: AccountState;
}

function checkPending(invitation: InvitationRow | undefined, now: number): asserts invitation is InvitationRow {
  if (!invitation) throw new AppError('not_found', 'This invitation does not exist or was withdrawn.');
  if (invitation.accepted_at !== null) throw new AppError('conflict', 'This invitation has already been used.');
  if (invitation.expires_at.getTime() <= now) throw new AppError('unprocessable', 'This invitation has expired; ask for a new one.');
}

export const signInToAccept = (email: string) =>
  new AppError('forbidden', `${email} already has a Gatehouse account: open the invitation link from the email and sign in to that account to accept.`, {
    details: { reason: 'sign_in_required' },
  });

export const wrongAccount = (signedIn: string, invited: string) =>
  new AppError('forbidden', `This invitation is for ${invited}, but you are signed in as ${signedIn}. Sign out, then sign in as ${invited} to accept it.`, {
    details: { reason: 'wrong_account' },
  });

/** The pending invitation a link opens, for the page to show; the token is not spent. */
export async function invitationOfLink(knex: Knex, token: string, now: number): Promise<InvitationView> {
  const found = await findInvitationByTokenHash(knex, hashLinkToken(token));
  checkPending(found, now);
  return { invitation: found, organizationName: found.organization_name, account: accountState(await findUserByEmail(knex, found.email)) };
}

export async function acceptInvitation(
  knex: Knex,
  input: { token: string; acceptor: Acceptor; requestId: string; now: number },
): Promise<{ organization_id: string; user_id: string; role: Role }> {
  const { acceptor } = input;
  const passwordHash = acceptor.kind === 'new_account' ? await hashPassword(acceptor.password) : undefined;
  return knex.transaction(async (trx) => {
    const invitation = await lockInvitationByTokenHash(trx, hashLinkToken(input.token));
    checkPending(invitation, input.now);
    if (await isMember(trx, invitation.organization_id, invitation.email)) {
      throw new AppError('conflict', 'This email is already a member of the organization.');
    }
    const at = new Date(input.now);
    const existing = await findUserByEmail(trx, invitation.email);
    const state = accountState(existing);
    let userId: string;
    if (acceptor.kind === 'signed_in') {
      if (state !== 'active' || existing!.id !== acceptor.user.id) throw wrongAccount(acceptor.user.email, invitation.email);
      userId = existing!.id;
    } else if (state === 'active') {
      throw signInToAccept(invitation.email);
    } else if (state === 'pending') {
      userId = existing!.id;
      await activateUser(trx, userId, { name: acceptor.name.trim(), passwordHash: passwordHash!, at });
      await useEmailVerificationsOf(trx, userId, at);
    } else {
      userId = (await insertUser(trx, { email: invitation.email, name: acceptor.name.trim(), passwordHash: passwordHash! })).id;
    }
    await insertMembership(trx, { userId, organizationId: invitation.organization_id, role: invitation.role });
    await joinExistingGroups(trx, invitation.organization_id, userId, invitation.group_ids);
    await markAccepted(trx, invitation.id, userId, at);
    await recordChange(trx, { identity: { sub: userId, org: invitation.organization_id, kind: 'user' }, requestId: input.requestId }, {
      action: 'invitations.accept', resourceType: 'invitation', resourceId: invitation.id,
    });
    return { organization_id: invitation.organization_id, user_id: userId, role: invitation.role };
  });
}
