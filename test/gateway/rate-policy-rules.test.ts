import { describe, expect, it } from 'vitest';
import { findOperationByName } from '../../src/contract/index.js';
import type { Role } from '../../src/contract/roles.js';
import type { Caller } from '../../src/gateway/caller.js';
import { apiRateChecks, authRouteChecks, principalOf } from '../../src/gateway/rate-policies.js';
import type { Config } from '../../src/shared/config/index.js';

// Which budget each request counts against, with the budgets written out: a wrong principal
// (two clients sharing one budget, a key counted as its user), a wrong role's budget or a
// credential form left out of the login limit would each let an attacker go further.

const config = {
  RATE_LIMIT_GUEST: 11, RATE_LIMIT_AGENT: 22, RATE_LIMIT_BOT: 33, RATE_LIMIT_ADMIN: 44,
  RATE_LIMIT_ORGANIZATION: 1000, RATE_LIMIT_ANONYMOUS: 5, RATE_LIMIT_TOKEN_ENDPOINT: 7, RATE_LIMIT_LOGIN: 3,
  RATE_LIMIT_VISITOR_SESSIONS_IP: 8, RATE_LIMIT_VISITOR_SESSIONS_WIDGET: 9,
  // 'undefined' as a key id: a caller without a key must never be looked up under it.
  RATE_LIMIT_KEYS: ['key-special=500', 'key-other=2', 'undefined=999'],
} as unknown as Config;

const caller = (identity: Partial<Caller['identity']>): Caller => ({
  identity: { sub: 'u1', org: 'o1', role: 'agent', scopes: [], kind: 'user', ...identity },
});

describe('principals', () => {
  it.each([
    [{ kind: 'user', client_id: 'app1' }, 'user:u1:app1'],
    [{ kind: 'user' }, 'user:u1:'],
    [{ kind: 'api_key', key_id: 'k1' }, 'key:k1'],
    [{ kind: 'user', key_id: 'k1', client_id: 'app1' }, 'key:k1'],
    [{ kind: 'client', client_id: 'svc', sub: 'svc-sub' }, 'client:svc'],
    [{ kind: 'client', sub: 'svc-sub' }, 'client:svc-sub'],
    [{ kind: 'visitor', sub: 'v1', client_id: 'w' }, 'visitor:v1'],
  ] as const)('%j counts as %s', (identity, expected) => {
    expect(principalOf(caller(identity))).toBe(expected);
  });
});

describe('API requests', () => {
  const list = findOperationByName('contacts.list')!;
  // [identity, principal budget, principal key]
  const table: Array<[Partial<Caller['identity']>, number, string]> = [
    [{ role: 'guest' as Role }, 11, 'user:u1:'],
    [{ role: 'agent' as Role }, 22, 'user:u1:'],
    [{ role: 'bot' as Role }, 33, 'user:u1:'],
    [{ role: 'admin' as Role }, 44, 'user:u1:'],
    [{ role: undefined }, 11, 'user:u1:'],
    [{ kind: 'api_key', key_id: 'key-special', role: 'guest' as Role }, 500, 'key:key-special'],
    [{ kind: 'api_key', key_id: 'key-other', role: 'admin' as Role }, 2, 'key:key-other'],
    [{ kind: 'api_key', key_id: 'key-plain', role: 'bot' as Role }, 33, 'key:key-plain'],
    [{ kind: 'user', key_id: undefined, sub: 'key-special', role: 'agent' as Role }, 22, 'user:key-special:'],
  ];
  it.each(table)('%j: %i points as %s, and the organization\'s', (identity, points, key) => {
    const checks = apiRateChecks(config, list, caller(identity), '10.0.0.1');
    expect(checks).toEqual([
      { policy: 'principal', key, points, cost: list.cost, id: `principal:${points}:${key}` },
      { policy: 'organization', key: 'org:o1', points: 1000, cost: list.cost, id: 'organization:1000:org:o1' },
    ]);
  });

  it('anonymous: the IP\'s budget at the operation\'s cost', () => {
    const health = findOperationByName('health.check')!;
    expect(apiRateChecks(config, health, undefined, '10.0.0.9')).toEqual([
      { policy: 'ip', key: 'ip:10.0.0.9', points: 5, cost: health.cost, id: 'ip:5:ip:10.0.0.9' },
    ]);
  });

  it('gives one caller the same checks for the same cost, and its own for another cost', () => {
    const one = caller({ role: 'admin' });
    const cheap = { ...list, cost: 1 };
    const dear = { ...list, cost: 5 };
    expect(apiRateChecks(config, cheap, one, 'x')).toBe(apiRateChecks(config, cheap, one, 'y'));
    expect(apiRateChecks(config, dear, one, 'x').map((c) => c.cost)).toEqual([5, 5]);
    expect(apiRateChecks(config, cheap, one, 'x').map((c) => c.cost)).toEqual([1, 1]);
  });
});

describe('auth-server routes', () => {
  const table: Array<[string, string, Array<[string, string, number]>]> = [
    ['POST', '/oauth2/token', [['token', 'ip:1.1.1.1', 7]]],
    ['GET', '/oauth2/token', [['token', 'ip:1.1.1.1', 7]]],
    ['POST', '/v2/auth/token', [['token', 'ip:1.1.1.1', 7]]],
    ['GET', '/v2/auth/token', [['token', 'ip:1.1.1.1', 7]]],
    ['POST', '/interaction/abc/login', [['login', 'ip:1.1.1.1', 3]]],
    ['GET', '/interaction/abc', [['ip', 'ip:1.1.1.1', 5]]],
    ['POST', '/v2/auth/password-reset', [['login', 'ip:1.1.1.1', 3]]],
    ['POST', '/v2/auth/password-reset/confirm', [['login', 'ip:1.1.1.1', 3]]],
    ['POST', '/account/password-reset', [['login', 'ip:1.1.1.1', 3]]],
    ['POST', '/account/password-reset/confirm', [['login', 'ip:1.1.1.1', 3]]],
    ['POST', '/account/email', [['login', 'ip:1.1.1.1', 3]]],
    ['GET', '/account/password-reset', [['ip', 'ip:1.1.1.1', 5]]],
    ['POST', '/account/profile', [['ip', 'ip:1.1.1.1', 5]]],
    ['POST', '/v2/widgets/wgt_1/sessions', [['visitor_sessions_ip', 'ip:1.1.1.1', 8], ['visitor_sessions_widget', 'widget:wgt_1', 9]]],
    ['POST', '/widgets/wgt_1/sessions', [['visitor_sessions_ip', 'ip:1.1.1.1', 8], ['visitor_sessions_widget', 'widget:wgt_1', 9]]],
    ['GET', '/v2/widgets/wgt_1/sessions', [['ip', 'ip:1.1.1.1', 5]]],
    ['POST', '/oauth2/revoke', [['ip', 'ip:1.1.1.1', 5]]],
  ];
  it.each(table)('%s %s', (method, path, expected) => {
    expect(authRouteChecks(config, method, path, '1.1.1.1')).toEqual(expected.map(([policy, key, points]) => ({ policy, key, points, cost: 1, id: `${policy}:${points}:${key}` })));
  });
});
