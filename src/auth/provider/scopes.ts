import { highestRole, lowerRole, ROLES, type Role } from '../../contract/roles.js';

/** OpenID Connect scopes Gatehouse serves; role scopes (`guest agent bot admin`) are the API's. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'] as const;
const oidcScopeSet = new Set<string>(OIDC_SCOPES);
const roleSet = new Set<string>(ROLES);

export const splitScope = (scope: string | undefined): string[] => (scope ? scope.split(' ').filter(Boolean) : []);

export function oidcScopesOf(scope: string | undefined): string[] {
  return splitScope(scope).filter((s) => oidcScopeSet.has(s));
}

/**
 * The one role scope a grant gets (issue 3): the lowest of what the client may be granted, what
 * was asked for and the user's role in the chosen organization. Asking for no role asks for the
 * most the client and user allow (seed 001: a token's scope is the user's role).
 */
export function effectiveRole(input: { clientMax: Role; requested: string | undefined; userRole: Role }): Role {
  const asked = highestRole(splitScope(input.requested));
  const capped = lowerRole(input.clientMax, input.userRole);
  return asked === undefined ? capped : lowerRole(asked, capped);
}

/** `scope` with its role scopes replaced by `role`, OIDC scopes kept, unknown ones dropped. */
export function withRole(scope: string | undefined, role: Role): string {
  return [...oidcScopesOf(scope), role].join(' ');
}

/** The access token's `scope` claim: exactly one role scope, then the OIDC scopes (decision in issue 3). */
export function tokenScopeClaim(roleSource: string | undefined, oidcSource: string | undefined): string | undefined {
  const role = highestRole(splitScope(roleSource));
  const oidc = oidcScopesOf(oidcSource);
  if (role === undefined) return oidc.length > 0 ? oidc.join(' ') : undefined;
  return [role, ...oidc].join(' ');
}

export const isRoleScope = (s: string) => roleSet.has(s);
