import { isAllowed, lowestRole, type RouteMatch } from '../contract/index.js';
import { AuthFailure } from './auth-error.js';
import type { Caller } from './caller.js';

/**
 * The permission matrix (DESIGN.md, seed 001) with the contract's own rule: the operation's
 * minimum role against the caller's cascading role scope; seed 001's "(self)" rows when the path
 * names the caller. An RPC call carries its parameters in the body, which the gateway does not
 * parse, so it is held to the lowest role that could ever be allowed and the resource API decides
 * the self rule exactly. A visitor token reaches only operations that declare `visitor`. The refusal names the scope that would have been enough (RFC 6750 §3.1).
 */
export function enforcePermission(match: Extract<RouteMatch, { kind: 'rest' | 'rpc' }>, caller: Caller | undefined): void {
  const { operation } = match;
  if (operation.role === 'public') return;
  const held = caller?.identity;
  const identity = held?.role === undefined ? undefined : { sub: held.sub, role: held.role, kind: held.kind };
  const allowed = match.kind === 'rest'
    ? isAllowed(operation, identity, match.params)
    : isAllowed({ ...operation, role: lowestRole(operation) }, identity, {});
  if (allowed) return;
  const required = match.kind === 'rpc' ? lowestRole(operation) : operation.role;
  throw new AuthFailure('insufficient_scope', 'insufficient_scope', `This operation requires the "${required}" scope.`, {
    details: { required_scope: required },
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required}"` },
  });
}
