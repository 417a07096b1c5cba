import { insertMembership, insertOrganization } from '../../db/accounts.js';
import { apiKeyIdsOfOrganization } from '../../db/member-credentials.js';
import { membershipSubject, revocationLifetimeMs, type Revocation } from '../../db/revocations.js';
import { AppError } from '../../shared/errors.js';
import type { Runtime } from '../../shared/runtime.js';
import { recordChange } from '../../domain/record-change.js';
import type { Caller } from '../handler.js';
import { memberUserIds } from '../members/queries.js';
import { announce } from '../members/service.js';
import { notFound } from '../shared/not-found.js';
import { deleteOrganization, findOrganizationById, updateOrganizationRow, userExists } from './queries.js';

/**
 * Seed 000 "automatically create properties for your customers": the caller becomes the new
 * organization's admin. Only a user can be a member (an OAuth client's service token cannot).
 */
export async function createOrganization(runtime: Runtime, caller: Caller, name: string) {
  return runtime.db.knex.transaction(async (trx) => {
    if (!(await userExists(trx, caller.identity.sub))) {
      throw new AppError('unprocessable', 'Only a user can create an organization (it becomes the admin).');
    }
    const organization = await insertOrganization(trx, { name });
    await insertMembership(trx, { userId: caller.identity.sub, organizationId: organization.id, role: 'admin' });
    await recordChange(trx, caller, {
      action: 'organizations.create', resourceType: 'organization', resourceId: organization.id, organizationId: organization.id, changes: { name },
    });
    return { ...(await findOrganizationById(trx, organization.id))!, role: 'admin' as const };
  });
}

/** A token is for one organization: any other id is not found, even one the user belongs to. */
function ownOrganization(caller: Caller, id: string): void {
  if (id !== caller.identity.org) throw notFound('organization');
}

export async function fetchOrganization(runtime: Runtime, caller: Caller, id: string) {
  ownOrganization(caller, id);
  const row = await findOrganizationById(runtime.db.knex, id);
  if (!row) throw notFound('organization');
  return { ...row, role: caller.identity.role };
}

export async function updateOrganization(runtime: Runtime, caller: Caller, id: string, patch: { name?: string | undefined; webview_hosts?: string[] | undefined }) {
  ownOrganization(caller, id);
  return runtime.db.knex.transaction(async (trx) => {
    if (!(await findOrganizationById(trx, id))) throw notFound('organization');
    const hosts = patch.webview_hosts === undefined ? undefined : [...new Set(patch.webview_hosts)];
    await updateOrganizationRow(trx, id, { name: patch.name, webview_hosts: hosts });
    await recordChange(trx, caller, { action: 'organizations.update', resourceType: 'organization', resourceId: id, changes: { ...patch } });
    return { ...(await findOrganizationById(trx, id))!, role: caller.identity.role };
  });
}

/**
 * Deletes everything of the organization (its keys and grants with it); its members' tokens for
 * it are revoked (they named it), their tokens of other organizations are not (issue 17).
 */
export async function removeOrganization(runtime: Runtime, caller: Caller, id: string): Promise<void> {
  ownOrganization(caller, id);
  const { userIds, keyIds } = await runtime.db.knex.transaction(async (trx) => {
    const gone = { userIds: await memberUserIds(trx, id), keyIds: await apiKeyIdsOfOrganization(trx, id) };
    if (!(await deleteOrganization(trx, id))) throw notFound('organization');
    await recordChange(trx, caller, { action: 'organizations.delete', resourceType: 'organization', resourceId: id });
    return gone;
  });
  // Its members' tokens for it end; its keys went with it, and no gateway may serve one from its
  // cache meanwhile.
  const now = runtime.clock.now();
  const expiresAt = now + revocationLifetimeMs(runtime.config);
  await announce(runtime, [
    ...userIds.map((userId): Revocation => ({ kind: 'membership', subject: membershipSubject(id, userId), notBefore: now, expiresAt })),
    ...keyIds.map((keyId): Revocation => ({ kind: 'api_key', subject: keyId, expiresAt })),
  ]);
}
