import type { Knex } from 'knex';
import { roleAllows, type Role } from '../../contract/roles.js';
import { revoke } from '../../db/revocations.js';
import { AppError } from '../../shared/errors.js';
import type { Runtime } from '../../shared/runtime.js';
import { audit } from '../audit/service.js';
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
 * Rules of a change to a member (users.update, users.me.update, members.update):
 * - a caller below admin reaches here only through the self rule and may change its name only:
 *   never its own role or status (seed 001 "(self)");
 * - nobody grants a role above their own, and the last active admin stays one;
 * - a demotion or a disabling revokes the member's earlier tokens at every gateway.
 */
export async function changeMember(runtime: Runtime, caller: Caller, userId: string, patch: MemberPatch, action: string): Promise<MemberRow> {
  const isAdmin = roleAllows(caller.identity.role, 'admin');
  for (const field of ['role', 'status', 'group_ids'] as const) {
    if (patch[field] !== undefined && !isAdmin) throw refuse(field, 'only an admin may change it');
  }
  if (patch.role !== undefined && !roleAllows(caller.identity.role, patch.role)) throw refuse('role', 'is above your own role');

  let revokeTokens = false;
  const row = await runtime.db.knex.transaction(async (trx) => {
    const org = caller.identity.org;
    const existing = await findMember(trx, org, userId);
    if (!existing) throw notFound('user');
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
    await audit(trx, caller, { action, resourceType: 'user', resourceId: userId, changes: { ...patch } });
    revokeTokens = demoted || disabled;
    return (await findMember(trx, org, userId))!;
  });
  if (revokeTokens) await revokeUser(runtime, userId);
  return row;
}

/** Removes a member from the organization (the user too, when it belongs nowhere else). */
export async function removeMember(runtime: Runtime, caller: Caller, userId: string, action: string): Promise<void> {
  await runtime.db.knex.transaction(async (trx) => {
    const org = caller.identity.org;
    const existing = await findMember(trx, org, userId);
    if (!existing) throw notFound('user');
    if (existing.role === 'admin') await keepAnAdmin(trx, org, userId);
    await deleteMembership(trx, org, userId);
    await deleteUserIfOrphaned(trx, userId);
    await audit(trx, caller, { action, resourceType: 'user', resourceId: userId });
  });
  await revokeUser(runtime, userId);
}

async function keepAnAdmin(trx: Knex, organizationId: string, userId: string): Promise<void> {
  if ((await countOtherActiveAdmins(trx, organizationId, userId)) === 0) {
    throw new AppError('conflict', 'The organization would be left without an active admin.');
  }
}

/** Every token the user held before now dies at the gateways (DESIGN.md "Revocation"). */
export async function revokeUser(runtime: Runtime, userId: string): Promise<void> {
  const now = runtime.clock.now();
  await revoke(
    { knex: runtime.db.knex, bus: runtime.bus },
    { kind: 'user', subject: userId, notBefore: now, expiresAt: now + runtime.config.API_REVOCATION_HORIZON_HOURS * 3_600_000 },
  );
}
