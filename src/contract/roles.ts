/**
 * Role scopes in ascending order of permission (seed 001). They cascade: a token holding `bot`
 * may do everything `agent` and `guest` may.
 */
export const ROLES = ['guest', 'agent', 'bot', 'admin'] as const;

export type Role = (typeof ROLES)[number];

const rank: Record<Role, number> = { guest: 0, agent: 1, bot: 2, admin: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(rank, value);
}

/** True when `held` includes everything `required` may do. */
export function roleAllows(held: Role, required: Role): boolean {
  return rank[held] >= rank[required];
}

/** The highest role among `roles`, or undefined when none is a role. */
export function highestRole(roles: Iterable<string>): Role | undefined {
  let best: Role | undefined;
  for (const role of roles) {
    if (isRole(role) && (best === undefined || rank[role] > rank[best])) best = role;
  }
  return best;
}

/** The lower of two roles: a grant never exceeds what either side allows. */
export function lowerRole(a: Role, b: Role): Role {
  return rank[a] <= rank[b] ? a : b;
}

/** The role scope held by a space-delimited OAuth scope string (`"openid agent"` → `agent`). */
export function roleFromScope(scope: string | undefined): Role | undefined {
  return scope === undefined ? undefined : highestRole(scope.split(' '));
}
