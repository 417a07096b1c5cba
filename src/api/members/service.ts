import type { Knex } from 'knex';
import { roleAllows, type Role } from '../../contract/roles.js';
import { deleteGrantsOfMember, revokeApiKeysOfMember } from '../../db/member-credentials.js';
import { membershipSubject, revocationLifetimeMs, revoke, type Revocation } from '../../db/revocations.js';
import { AppError } from '../../shared/errors.js';
import type { Runtime } from '../../shared/runtime.js';
import { recordChange } from '../../domain/record-change.js';
import type { Caller } from '../handler.js';
import { missingGroups } from '../organization-groups/queries.js';
import { notFound } from '../shared/not-found.js';
import {
  countOtherActiveAdmins, deleteMembership, deleteUserIfOrphaned, findMember, replaceMemberGroups,
  updateMembership, updateUserName, type MemberRow,
} from './queries.js';

export interface MemberPatch {
  name?: string;
  role?: Role;
  status?: 'active' | 'disabled';
  group_ids?: string[];
}

function refuse(field: string, message: string): AppError {
  return new AppError('forbidden', `${field}: ${message}`, { details: { fields: [{ field, message }] } });
}

/**
 * Rules of a change to a member (users.update, users.updateMe, members.update):
 * - a caller below admin reaches here only through the self rule and may change its name only:
 *   never its own role or status (seed 001 "(self)");
 * - the name belongs to the user's global profile: only the user changes it, an admin of one of
 *   their organizations does not (issue 17);
 * - nobody grants a role above their own, and the last active admin stays one;
 * - a demotion or a disabling ends what the member holds in this organization, and only here
 *   (`revokeMembership`).
 */
export async function changeMember(runtime: Runtime, caller: Caller, userId: string, patch: MemberPatch, action: string): Promise<MemberRow> {
  const isAdmin = roleAllows(caller.identity.role, 'admin');
  for (const field of ['role', 'status', 'group_ids'] as const) {
    if (patch[field] !== undefined && !isAdmin) throw refuse(field, 'only an admin may change it');
  }
  if (patch.role !== undefined && !roleAllows(caller.identity.role, patch.role)) throw refuse('role', 'is above your own role');

  let revocations: Revocation[] = [];
  const row = await runtime.db.knex.transaction(async (trx) => {
    const org = caller.identity.org;
    const existing = await findMember(trx, org, userId);
    if (!existing) throw notFound('user');
    if (patch.name !== undefined && userId !== caller.identity.sub) throw refuse('name', "is the user's own: only they may change it");
    const demoted = patch.role !== undefined && !roleAllows(patch.role, existing.role);
    const disabled = patch.status === 'disabled' && existing.disabled_at === null;
    if ((demoted || disabled) && existing.role === 'admin') await keepAnAdmin(trx, org, userId);
    if (patch.name !== undefined) await updateUserName(trx, userId, patch.name);
    const membership: { role?: Role; disabled_at?: Date | null } = {};
    if (patch.role !== undefined) membership.role = patch.role;
    if (patch.status !== undefined) membership.disabled_at = patch.status === 'disabled' ? (existing.disabled_at ?? new Date(runtime.clock.now())) : null;
    if (Object.keys(membership).length > 0) await updateMembership(trx, org, userId, membership);
    if (patch.group_ids !== undefined) {
      const missing = await missingGroups(trx, org, patch.group_ids);
      if (missing.length > 0) {
        throw new AppError('validation_failed', 'group_ids: no such organization group', {
          details: { fields: [{ field: 'group_ids', message: `no such organization group: ${missing.join(', ')}` }] },
        });
      }
      await replaceMemberGroups(trx, org, userId, patch.group_ids);
    }
    await recordChange(trx, caller, { action, resourceType: 'user', resourceId: userId, changes: { ...patch } });
    if (demoted || disabled) revocations = await endMembershipCredentials(runtime, trx, org, userId);
    return (await findMember(trx, org, userId))!;
  });
  await announce(runtime, revocations);
  return row;
}

/** Removes a member from the organization (the user too, when it belongs nowhere else). */
export async function removeMember(runtime: Runtime, caller: Caller, userId: string, action: string): Promise<void> {
  const revocations = await runtime.db.knex.transaction(async (trx) => {
    const org = caller.identity.org;
    const existing = await findMember(trx, org, userId);
    if (!existing) throw notFound('user');
    if (existing.role === 'admin') await keepAnAdmin(trx, org, userId);
    // Before the membership goes: a re-invited member must not find their old keys alive (issue 17).
    const ended = await endMembershipCredentials(runtime, trx, org, userId);
    await deleteMembership(trx, org, userId);
    await deleteUserIfOrphaned(trx, userId);
    await recordChange(trx, caller, { action, resourceType: 'user', resourceId: userId });
    return ended;
  });
  await announce(runtime, revocations);
}

async function keepAnAdmin(trx: Knex, organizationId: string, userId: string): Promise<void> {
  if ((await countOtherActiveAdmins(trx, organizationId, userId)) === 0) {
    throw new AppError('conflict', 'The organization would be left without an active admin.');
  }
}

/**
 * Ends, inside the caller's transaction, what the user holds in this organization: its API keys
 * there are marked revoked and its OAuth grants consented for it are deleted. Returns what to
 * announce once the transaction has committed: those keys and grants, and the cut-off of every
 * token of the user in this organization issued before now (DESIGN.md "Revocation"). Tokens of
 * the user's other organizations are left alone: they are not this organization's (issue 17).
 */
async function endMembershipCredentials(runtime: Runtime, trx: Knex, organizationId: string, userId: string): Promise<Revocation[]> {
  const now = runtime.clock.now();
  const horizon = now + revocationLifetimeMs(runtime.config);
  const keys = await revokeApiKeysOfMember(trx, organizationId, userId, new Date(now));
  const grants = await deleteGrantsOfMember(trx, organizationId, userId);
  return [
    { kind: 'membership', subject: membershipSubject(organizationId, userId), notBefore: now, expiresAt: horizon },
    ...grants.map((id): Revocation => ({ kind: 'grant', subject: id, expiresAt: horizon })),
    ...keys.map((key): Revocation => ({ kind: 'api_key', subject: key.id, expiresAt: Math.max(key.expires_at?.getTime() ?? horizon, now + 60_000) })),
  ];
}

/** Makes revocations known at every gateway, once the change that caused them has committed. */
export async function announce(runtime: Runtime, revocations: readonly Revocation[]): Promise<void> {
  for (const revocation of revocations) await revoke({ knex: runtime.db.knex, bus: runtime.bus }, revocation);
}
