import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { findOrganization } from '../../db/accounts.js';
import { acceptInvitation as accept } from '../../domain/invitations.js';
import { INVITATION_TOKEN_PREFIX, newLinkToken } from '../../domain/link-tokens.js';
import { mailInvitation } from '../../domain/mails.js';
import { AppError } from '../../shared/errors.js';
import type { Runtime } from '../../shared/runtime.js';
import { recordChange } from '../../domain/record-change.js';
import type { Caller } from '../handler.js';
import { missingGroups } from '../organization-groups/queries.js';
import { notFound } from '../shared/not-found.js';
import { deleteInvitation, findInvitation, insertInvitation, isMember, renewInvitationToken, type InvitationRow } from './queries.js';

// Seed 000 "invite a customer to a property". The token is mailed to the invitee only (issue 17:
// an inviter who held it could accept in the invitee's name); the table keeps its SHA-256.

export function invitationStatus(row: InvitationRow, now: number): 'pending' | 'accepted' | 'expired' {
  if (row.accepted_at !== null) return 'accepted';
  return row.expires_at.getTime() <= now ? 'expired' : 'pending';
}

async function organizationName(trx: Knex, organizationId: string): Promise<string> {
  return (await findOrganization(trx, organizationId))?.name ?? 'an organization';
}

export async function createInvitation(runtime: Runtime, caller: Caller, input: { email: string; role: Role; group_ids?: string[] | undefined }): Promise<InvitationRow> {
  const { token, hash } = newLinkToken(INVITATION_TOKEN_PREFIX);
  const org = caller.identity.org;
  return runtime.db.knex.transaction(async (trx) => {
    if (await isMember(trx, org, input.email)) {
      throw new AppError('conflict', 'This email is already a member of the organization.', { details: { field: 'email' } });
    }
    const groupIds = [...new Set(input.group_ids ?? [])];
    const missing = await missingGroups(trx, org, groupIds);
    if (missing.length > 0) {
      throw new AppError('validation_failed', 'group_ids: no such organization group', {
        details: { fields: [{ field: 'group_ids', message: `no such organization group: ${missing.join(', ')}` }] },
      });
    }
    const invitation = await insertInvitation(trx, {
      organization_id: org,
      email: input.email,
      role: input.role,
      group_ids: groupIds,
      token_hash: hash,
      invited_by: caller.identity.kind === 'client' ? null : caller.identity.sub,
      expires_at: new Date(runtime.clock.now() + runtime.config.API_INVITATION_TTL_HOURS * 3_600_000),
    });
    await mailInvitation(trx, runtime, {
      to: invitation.email, organizationName: await organizationName(trx, org),
      role: invitation.role, token, expiresAt: invitation.expires_at,
    });
    await recordChange(trx, caller, { action: 'invitations.create', resourceType: 'invitation', resourceId: invitation.id, changes: { ...input } });
    return invitation;
  });
}

/**
 * Mails the invitation again with a new link (the old one stops working: only hashes are kept,
 * so the old token cannot be sent twice) and a fresh expiry. An accepted invitation is final.
 */
export async function resendInvitation(runtime: Runtime, caller: Caller, id: string): Promise<InvitationRow> {
  const { token, hash } = newLinkToken(INVITATION_TOKEN_PREFIX);
  const org = caller.identity.org;
  return runtime.db.knex.transaction(async (trx) => {
    const existing = await findInvitation(trx, org, id);
    if (!existing) throw notFound('invitation');
    if (existing.accepted_at !== null) throw new AppError('conflict', 'This invitation has already been used.');
    const expiresAt = new Date(runtime.clock.now() + runtime.config.API_INVITATION_TTL_HOURS * 3_600_000);
    const renewed = await renewInvitationToken(trx, org, id, { tokenHash: hash, expiresAt });
    await mailInvitation(trx, runtime, {
      to: renewed.email, organizationName: await organizationName(trx, org),
      role: renewed.role, token, expiresAt,
    });
    await recordChange(trx, caller, { action: 'invitations.resend', resourceType: 'invitation', resourceId: id });
    return renewed;
  });
}

export async function withdrawInvitation(runtime: Runtime, caller: Caller, id: string): Promise<void> {
  await runtime.db.knex.transaction(async (trx) => {
    if (!(await deleteInvitation(trx, caller.identity.org, id))) throw notFound('invitation');
    await recordChange(trx, caller, { action: 'invitations.delete', resourceType: 'invitation', resourceId: id });
  });
}

/**
 * `invitations.accept` (public; the mailed token is the credential): only for an email without a
 * usable account, which the token proves and the password makes usable. An email that has an
 * account is refused with a pointer to the invitation page, where its owner signs in (issue 17).
 */
export function acceptInvitation(runtime: Runtime, requestId: string, input: { token: string; name?: string | undefined; password: string }) {
  return accept(runtime.db.knex, {
    token: input.token,
    acceptor: { kind: 'new_account', name: input.name ?? '', password: input.password },
    requestId,
    now: runtime.clock.now(),
  });
}
