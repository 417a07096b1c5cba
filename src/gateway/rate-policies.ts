import type { Operation } from '../contract/operation.js';
import type { Role } from '../contract/roles.js';
import type { Config } from '../shared/config/index.js';
import type { Caller } from './caller.js';
import type { RateCheck } from './limit-rate.js';

/**
 * Which limits a request counts against (issue 5 "Rate limits"): an authenticated API call
 * against its principal (the API key, or user + client) and its organization's aggregate, by the
 * operation's cost; an anonymous one against its IP. The token endpoints and login submissions
 * have their own, stricter per-IP limits (credential stuffing, refresh-token guessing).
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

function rolePoints(config: Config, role: Role | undefined): number {
  switch (role) {
    case 'admin': return config.RATE_LIMIT_ADMIN;
    case 'bot': return config.RATE_LIMIT_BOT;
    case 'agent': return config.RATE_LIMIT_AGENT;
    default: return config.RATE_LIMIT_GUEST;
  }
}

export function apiRateChecks(config: Config, operation: Operation, caller: Caller | undefined, ip: string): RateCheck[] {
  const cost = operation.cost;
  if (!caller) return [{ policy: 'ip', key: `ip:${ip}`, points: config.RATE_LIMIT_ANONYMOUS, cost }];
  const { identity } = caller;
  const principal =
    identity.key_id !== undefined ? `key:${identity.key_id}`
    : identity.kind === 'client' ? `client:${identity.client_id ?? identity.sub}`
    : `user:${identity.sub}:${identity.client_id ?? ''}`;
  const points = (identity.key_id !== undefined ? perKeyLimits(config).get(identity.key_id) : undefined) ?? rolePoints(config, identity.role);
  return [
    { policy: 'principal', key: principal, points, cost },
    { policy: 'organization', key: `org:${identity.org}`, points: config.RATE_LIMIT_ORGANIZATION, cost },
  ];
}

export function authRouteChecks(config: Config, method: string, path: string, ip: string): RateCheck[] {
  if (path === '/oauth2/token' || path === '/v2/auth/token') {
    return [{ policy: 'token', key: `ip:${ip}`, points: config.RATE_LIMIT_TOKEN_ENDPOINT, cost: 1 }];
  }
  if (method === 'POST' && path.startsWith('/interaction/')) {
    return [{ policy: 'login', key: `ip:${ip}`, points: config.RATE_LIMIT_LOGIN, cost: 1 }];
  }
  return [{ policy: 'ip', key: `ip:${ip}`, points: config.RATE_LIMIT_ANONYMOUS, cost: 1 }];
}
