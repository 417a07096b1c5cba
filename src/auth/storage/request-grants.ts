import { AsyncLocalStorage } from 'node:async_hooks';
import type { AdapterPayload } from 'oidc-provider';
import type { Role } from '../../contract/roles.js';
import type { SignInState } from '../../db/accounts.js';

/** The user as a grant needs it: who, and whether they may still sign in. */
export interface GrantAccount extends SignInState {
  id: string;
  email: string;
  name: string;
}

/**
 * What one provider request has read, for the rest of that request only:
 * - the organizations of the grants it read. A token request reads its grant before it consumes
 *   the code or refresh token, but shapes the access token after; a concurrent replay of the same
 *   code may delete the grant in between (RFC 6749 §10.5). The winner of the consume then still
 *   knows the organization it was granted for: its tokens die with the grant's revocation at the
 *   gateway, but it is answered like the one redemption that won.
 * - what the one read of a code or refresh token brought along (storage/grant-source-rows.ts):
 *   its grant, its user and the user's membership role in the grant's organization, so the
 *   provider's Grant.find, findAccount and the token customizer ask the database nothing more.
 *   Nothing here outlives the request, so the next grant reads all of it afresh.
 */
interface RequestReads {
  organizations: Map<string, string>;
  grants: Map<string, AdapterPayload>;
  accounts: Map<string, GrantAccount | null>;
  roles: Map<string, Role | null>;
}

const requestReads = new AsyncLocalStorage<RequestReads>();

export function withRequestGrants<T>(handle: () => Promise<T>): Promise<T> {
  return requestReads.run({ organizations: new Map(), grants: new Map(), accounts: new Map(), roles: new Map() }, handle);
}

export function rememberGrantOrganization(grantId: string, organizationId: string): void {
  requestReads.getStore()?.organizations.set(grantId, organizationId);
}

export function rememberedGrantOrganization(grantId: string): string | undefined {
  return requestReads.getStore()?.organizations.get(grantId);
}

const roleKey = (organizationId: string, userId: string) => `${organizationId} ${userId}`;

/** What the read of a code or refresh token brought along (absent parts are left unremembered). */
export function rememberGrantSource(read: {
  grantId: string;
  grant: AdapterPayload | undefined;
  organizationId: string | null;
  accountId: string | undefined;
  account: GrantAccount | undefined;
  role: Role | undefined;
}): void {
  const store = requestReads.getStore();
  if (!store) return;
  if (read.grant) store.grants.set(read.grantId, read.grant);
  if (read.organizationId) store.organizations.set(read.grantId, read.organizationId);
  if (!read.accountId) return;
  store.accounts.set(read.accountId, read.account ?? null);
  if (read.organizationId && read.account) store.roles.set(roleKey(read.organizationId, read.accountId), read.role ?? null);
}

/** A grant this request already read with its code or refresh token; taken once. */
export function takeRememberedGrant(grantId: string): AdapterPayload | undefined {
  const grants = requestReads.getStore()?.grants;
  const grant = grants?.get(grantId);
  grants?.delete(grantId);
  return grant;
}

/** `{ account }` when this request already read the user (null: no such user), else undefined. */
export function rememberedAccount(accountId: string): { account: GrantAccount | null } | undefined {
  const accounts = requestReads.getStore()?.accounts;
  return accounts?.has(accountId) ? { account: accounts.get(accountId)! } : undefined;
}

/** `{ role }` when this request already read the membership (null: none active), else undefined. */
export function rememberedRole(organizationId: string, userId: string): { role: Role | null } | undefined {
  const roles = requestReads.getStore()?.roles;
  const key = roleKey(organizationId, userId);
  return roles?.has(key) ? { role: roles.get(key)! } : undefined;
}
