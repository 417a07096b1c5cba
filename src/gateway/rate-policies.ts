import {
  EMAIL_CHANGE_PAGE, OAUTH_ROUTES, PASSWORD_RESET_API_PATH, PASSWORD_RESET_CONFIRM_API_PATH, PASSWORD_RESET_CONFIRM_PAGE, PASSWORD_RESET_PAGE, TOKEN_API_PATH, visitorSessionClientToken,
} from '../contract/auth-routes.js';
import type { Operation } from '../contract/operation.js';
import { ROLES, type Role } from '../contract/roles.js';
import type { Config } from '../shared/config/index.js';
import type { Caller } from './caller.js';
import { rateCheck, type RateCheck } from './limit-rate.js';

/**
 * Which limits a request counts against (issue 5 "Rate limits"): an authenticated API call
 * against its principal (the API key, or user + client) and its organization's aggregate, by the
 * operation's cost; an anonymous one against its IP. The token endpoints and login submissions
 * have their own, stricter per-IP limits (credential stuffing, refresh-token guessing); opening
 * visitor sessions is limited per IP and per widget (issue 10: anyone may call it, and each call
 * makes a visitor).
 */
const keyLimits = new WeakMap<Config, Map<string, number>>();

function perKeyLimits(config: Config): Map<string, number> {
  let map = keyLimits.get(config);
  if (!map) {
    map = new Map(config.RATE_LIMIT_KEYS.map((entry) => {
      const [id, points] = entry.split('=') as [string, string];
      return [id, Number(points)];
    }));
    keyLimits.set(config, map);
  }
  return map;
}

/** The setting of each role's budget, by the role ladder (a caller without a role counts as a guest). */
const roleLimitSetting = Object.fromEntries(ROLES.map((role) => [role, `RATE_LIMIT_${role.toUpperCase()}`])) as Record<Role, keyof Config>;

function rolePoints(config: Config, role: Role | undefined): number {
  return config[roleLimitSetting[role ?? ROLES[0]]] as number;
}

// A caller's checks depend only on it, the operation's cost and the configuration: they are made
// once per cached caller and cost (callers are per gateway, as is its configuration).
const callerChecks = new WeakMap<Caller, Map<number, readonly RateCheck[]>>();

/** Who a limit counts against: the API key, the service client, the visitor, or the user through one client. */
export function principalOf({ identity }: Caller): string {
  return identity.key_id !== undefined ? `key:${identity.key_id}`
    : identity.kind === 'client' ? `client:${identity.client_id ?? identity.sub}`
    : identity.kind === 'visitor' ? `visitor:${identity.sub}`
    : `user:${identity.sub}:${identity.client_id ?? ''}`;
}

export function apiRateChecks(config: Config, operation: Operation, caller: Caller | undefined, ip: string): readonly RateCheck[] {
  const cost = operation.cost;
  if (!caller) return [rateCheck('ip', `ip:${ip}`, config.RATE_LIMIT_ANONYMOUS, cost)];
  let byCost = callerChecks.get(caller);
  let checks = byCost?.get(cost);
  if (checks) return checks;
  const { identity } = caller;
  const principal = principalOf(caller);
  const points = (identity.key_id !== undefined ? perKeyLimits(config).get(identity.key_id) : undefined) ?? rolePoints(config, identity.role);
  checks = [rateCheck('principal', principal, points, cost), rateCheck('organization', `org:${identity.org}`, config.RATE_LIMIT_ORGANIZATION, cost)];
  if (!byCost) callerChecks.set(caller, (byCost = new Map()));
  byCost.set(cost, checks);
  return checks;
}

// Issue 18: the forms and endpoints that mail a link or set a password count like a login.
const CREDENTIAL_FORMS = new Set([PASSWORD_RESET_API_PATH, PASSWORD_RESET_CONFIRM_API_PATH, PASSWORD_RESET_PAGE, PASSWORD_RESET_CONFIRM_PAGE, EMAIL_CHANGE_PAGE]);

export function authRouteChecks(config: Config, method: string, path: string, ip: string): RateCheck[] {
  // Exact paths: route-kinds.ts refused every other spelling of an auth-server path before this.
  if (path === OAUTH_ROUTES.token || path === TOKEN_API_PATH) return [rateCheck('token', `ip:${ip}`, config.RATE_LIMIT_TOKEN_ENDPOINT, 1)];
  if (method === 'POST' && (path.startsWith('/interaction/') || CREDENTIAL_FORMS.has(path))) return [rateCheck('login', `ip:${ip}`, config.RATE_LIMIT_LOGIN, 1)];
  const widget = method === 'POST' ? visitorSessionClientToken(path) : undefined;
  if (widget !== undefined) {
    return [
      rateCheck('visitor_sessions_ip', `ip:${ip}`, config.RATE_LIMIT_VISITOR_SESSIONS_IP, 1),
      rateCheck('visitor_sessions_widget', `widget:${widget}`, config.RATE_LIMIT_VISITOR_SESSIONS_WIDGET, 1),
    ];
  }
  return [rateCheck('ip', `ip:${ip}`, config.RATE_LIMIT_ANONYMOUS, 1)];
}
