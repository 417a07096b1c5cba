import type { Identity } from './identity.js';
import type { Operation } from './operation.js';
import { roleAllows, type Role } from './roles.js';

/** The lowest role that can ever be allowed: the self rule's when the operation has one. */
export function lowestRole(operation: Operation): Role | 'public' {
  return operation.self?.role ?? operation.role;
}

/**
 * Whether the resource API must check that the caller takes part in the row (the participant
 * rule): every visitor, and callers below the rule's `all` role.
 */
export function needsParticipation(operation: Operation, identity: Pick<Identity, 'role' | 'kind'>): boolean {
  if (!operation.participant) return false;
  return identity.kind === 'visitor' || !roleAllows(identity.role, operation.participant.all);
}

/** True when the path parameter of the self rule names the caller's own user. */
export function isSelf(operation: Operation, params: Record<string, unknown>, identity: Pick<Identity, 'sub'>): boolean {
  if (!operation.self) return false;
  const value = params[operation.self.param];
  return value === identity.sub || value === 'me';
}

/**
 * The permission matrix (DESIGN.md, seed 001): may `identity` call `operation` with `params`?
 * The self rule needs the parameters, which an RPC call carries in its body: a gateway that has
 * not parsed them checks `lowestRole` and the resource API, which has, decides with this.
 */
export function isAllowed(operation: Operation, identity: Pick<Identity, 'sub' | 'role' | 'kind'> | undefined, params: Record<string, unknown>): boolean {
  if (operation.role === 'public') return true;
  if (!identity) return false;
  // A visitor is a principal of its own kind with its own short list (DESIGN.md), not a guest user.
  if (identity.kind === 'visitor') return operation.visitor === true;
  if (roleAllows(identity.role, operation.role)) return true;
  return operation.self !== undefined && isSelf(operation, params, identity) && roleAllows(identity.role, operation.self.role);
}
