import { createHash, randomBytes } from 'node:crypto';
import { insertMembership, insertUser } from '../../db/accounts.js';
import type { Role } from '../../contract/roles.js';
import { AppError } from '../../shared/errors.js';
import { hashPassword } from '../../shared/password.js';
import type { Runtime } from '../../shared/runtime.js';
import { audit } from '../audit/service.js';
import type { Caller } from '../handler.js';
import { replaceMemberGroups } from '../members/queries.js';
import { missingGroups } from '../organization-groups/queries.js';
import { notFound } from '../shared/not-found.js';
import {
  deleteInvitation, findUserIdByEmail, insertInvitation, isMember, lockInvitationByTokenHash, markAccepted, type InvitationRow,
} from './queries.js';

// Seed 000 "invite a customer to a property". The token is 256 random bits, shown once; the
// table keeps its SHA-256 (a fast hash is enough for a secret this long).
const TOKEN_PREFIX = 'ghi_';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function invitationStatus(row: InvitationRow, now: number): 'pending' | 'accepted' | 'expired' {
  if (row.accepted_at !== null) return 'accepted';
  return row.expires_at.getTime() <= now ? 'expired' : 'pending';
}

export async function createInvitation(runtime: Runtime, caller: Caller, input: { email: string; role: Role; group_ids?: string[] }) {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const org = caller.identity.org;
  const row = await runtime.db.knex.transaction(async (trx) => {
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
      token_hash: hashToken(token),
      invited_by: caller.identity.kind === 'client' ? null : caller.identity.sub,
      expires_at: new Date(runtime.clock.now() + runtime.config.API_INVITATION_TTL_HOURS * 3_600_000),
    });
    await audit(trx, caller, { action: 'invitations.create', resourceType: 'invitation', resourceId: invitation.id, changes: { ...input } });
    return invitation;
  });
  return { row, token };
}

export async function withdrawInvitation(runtime: Runtime, caller: Caller, id: string): Promise<void> {
  await runtime.db.knex.transaction(async (trx) => {
    if (!(await deleteInvitation(trx, caller.identity.org, id))) throw notFound('invitation');
    await audit(trx, caller, { action: 'invitations.delete', resourceType: 'invitation', resourceId: id });
  });
}

/**
 * Accepting: the token must exist, be unused and unexpired; the membership (and the user, for a
 * new email, which then needs a password) is created in the same transaction that spends it.
 */
export async function acceptInvitation(
  runtime: Runtime,
  requestId: string,
  input: { token: string; name?: string; password?: string },
) {
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  return runtime.db.knex.transaction(async (trx) => {
    const invitation = await lockInvitationByTokenHash(trx, hashToken(input.token));
    if (!invitation) throw notFound('invitation');
    const status = invitationStatus(invitation, runtime.clock.now());
    if (status === 'accepted') throw new AppError('conflict', 'This invitation has already been used.');
    if (status === 'expired') throw new AppError('unprocessable', 'This invitation has expired; ask for a new one.');
    if (await isMember(trx, invitation.organization_id, invitation.email)) {
      throw new AppError('conflict', 'This email is already a member of the organization.');
    }
    let userId = await findUserIdByEmail(trx, invitation.email);
    if (userId === undefined) {
      if (passwordHash === undefined) {
        throw new AppError('validation_failed', 'password: is required to create the account', {
          details: { fields: [{ field: 'password', message: 'is required to create the account' }] },
        });
      }
      userId = (await insertUser(trx, { email: invitation.email, name: input.name ?? '', passwordHash })).id;
    }
    await insertMembership(trx, { userId, organizationId: invitation.organization_id, role: invitation.role });
    const groups = await missingGroups(trx, invitation.organization_id, invitation.group_ids);
    await replaceMemberGroups(trx, invitation.organization_id, userId, invitation.group_ids.filter((id) => !groups.includes(id)));
    await markAccepted(trx, invitation.id, userId, new Date(runtime.clock.now()));
    const caller: Caller = { identity: { sub: userId, org: invitation.organization_id, role: invitation.role, scopes: [], kind: 'user' }, requestId };
    await audit(trx, caller, { action: 'invitations.accept', resourceType: 'invitation', resourceId: invitation.id });
    return { organization_id: invitation.organization_id, user_id: userId, role: invitation.role };
  });
}
