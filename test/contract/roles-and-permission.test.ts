import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/contract/identity.js';
import type { Operation } from '../../src/contract/operation.js';
import { isAllowed, isSelf, lowestRole, needsParticipation } from '../../src/contract/permission.js';
import { highestRole, isRole, lowerRole, roleAllows, roleFromScope, ROLES, type Role } from '../../src/contract/roles.js';
import { FIRST_PARTY_CLIENT_ID, isFirstPartyUser } from '../../src/contract/first-party.js';

// The role rules, cell by cell, against answers written out here (not computed from the code
// under test): the request-level matrices cover the same rules through HTTP, these pin every
// helper down so a wrong rank or a flipped comparison fails in milliseconds.

const ALLOWS: Record<Role, Record<Role, boolean>> = {
  guest: { guest: true, agent: false, bot: false, admin: false },
  agent: { guest: true, agent: true, bot: false, admin: false },
  bot: { guest: true, agent: true, bot: true, admin: false },
  admin: { guest: true, agent: true, bot: true, admin: true },
};

const LOWER: Record<Role, Record<Role, Role>> = {
  guest: { guest: 'guest', agent: 'guest', bot: 'guest', admin: 'guest' },
  agent: { guest: 'guest', agent: 'agent', bot: 'agent', admin: 'agent' },
  bot: { guest: 'guest', agent: 'agent', bot: 'bot', admin: 'bot' },
  admin: { guest: 'guest', agent: 'agent', bot: 'bot', admin: 'admin' },
};

describe('roles', () => {
  it('are guest < agent < bot < admin', () => {
    expect(ROLES).toEqual(['guest', 'agent', 'bot', 'admin']);
  });

  it.each(ROLES.flatMap((held) => ROLES.map((required) => [held, required, ALLOWS[held][required]] as const)))(
    '%s allows what %s may do: %s', (held, required, expected) => {
      expect(roleAllows(held, required)).toBe(expected);
    });

  it.each(ROLES.flatMap((a) => ROLES.map((b) => [a, b, LOWER[a][b]] as const)))('lowerRole(%s, %s) is %s', (a, b, expected) => {
    expect(lowerRole(a, b)).toBe(expected);
  });

  it.each([
    [[], undefined],
    [['openid', 'email'], undefined],
    [['guest'], 'guest'],
    [['agent', 'guest'], 'agent'],
    [['guest', 'agent'], 'agent'],
    [['bot', 'admin', 'agent'], 'admin'],
    [['admin', 'bot'], 'admin'],
    [['openid', 'bot', 'agent', 'email'], 'bot'],
    [['Admin', 'ADMIN', 'admin '], undefined],
    [['toString', 'constructor', '__proto__', 'hasOwnProperty'], undefined],
  ] as const)('highestRole(%j) is %s', (scopes, expected) => {
    expect(highestRole(scopes)).toBe(expected);
  });

  it.each([
    ['guest', true], ['agent', true], ['bot', true], ['admin', true],
    ['Admin', false], ['', false], ['toString', false], ['__proto__', false], ['constructor', false], [undefined, false], [3, false], [null, false],
    // Not strings, though a property lookup would turn them into 'admin'.
    [['admin'], false], [{ toString: () => 'admin' }, false],
  ] as const)('isRole(%j) is %s', (value, expected) => {
    expect(isRole(value)).toBe(expected);
  });

  it.each([
    [undefined, undefined], ['', undefined], ['openid email', undefined], ['openid agent', 'agent'], ['agent  admin', 'admin'], ['bot', 'bot'],
  ] as const)('roleFromScope(%j) is %s', (scope, expected) => {
    expect(roleFromScope(scope)).toBe(expected);
  });
});

const operation = (rules: Partial<Operation>): Operation => ({ name: 't.op', method: 'GET', path: '/t/{id}', role: 'admin', ...rules } as Operation);
const user = (role: Role, sub = 'u-1'): Pick<Identity, 'sub' | 'role' | 'kind'> => ({ sub, role, kind: 'user' });
const visitor: Pick<Identity, 'sub' | 'role' | 'kind'> = { sub: 'v-1', role: 'guest', kind: 'visitor' };

describe('the permission rule', () => {
  const selfRule = operation({ role: 'admin', self: { param: 'user_id', role: 'guest' } });
  const agentOnly = operation({ role: 'agent' });
  const publicOp = operation({ role: 'public' });
  const visitorOp = operation({ role: 'agent', visitor: true });

  // [operation, identity, params, allowed]
  const cases: Array<[string, Operation, Pick<Identity, 'sub' | 'role' | 'kind'> | undefined, Record<string, unknown>, boolean]> = [
    ['public, anonymous', publicOp, undefined, {}, true],
    ['public, visitor', publicOp, visitor, {}, true],
    ['agent op, anonymous', agentOnly, undefined, {}, false],
    ['agent op, guest', agentOnly, user('guest'), {}, false],
    ['agent op, agent', agentOnly, user('agent'), {}, true],
    ['agent op, bot', agentOnly, user('bot'), {}, true],
    ['agent op, admin', agentOnly, user('admin'), {}, true],
    ['agent op, visitor (its role guest is not the point: visitors have their own list)', agentOnly, visitor, {}, false],
    ['agent op, a visitor holding a forged admin role', agentOnly, { ...visitor, role: 'admin' }, {}, false],
    ['visitor op, visitor', visitorOp, visitor, {}, true],
    ['visitor op, guest user', visitorOp, user('guest'), {}, false],
    ['visitor op, agent', visitorOp, user('agent'), {}, true],
    ['self op, guest on their own id', selfRule, user('guest'), { user_id: 'u-1' }, true],
    ['self op, guest on me', selfRule, user('guest'), { user_id: 'me' }, true],
    ['self op, guest on another id', selfRule, user('guest'), { user_id: 'u-2' }, false],
    ['self op, guest on ME (case)', selfRule, user('guest'), { user_id: 'ME' }, false],
    ['self op, guest without the parameter', selfRule, user('guest'), {}, false],
    ['self op, guest with the id in another parameter', selfRule, user('guest'), { id: 'u-1' }, false],
    ['self op, admin on another id', selfRule, user('admin'), { user_id: 'u-2' }, true],
    ['self op, bot on another id', selfRule, user('bot'), { user_id: 'u-2' }, false],
    ['self op, visitor on its own id', selfRule, { ...visitor, sub: 'u-1' }, { user_id: 'u-1' }, false],
  ];

  it.each(cases)('%s', (_, op, identity, params, expected) => {
    expect(isAllowed(op, identity, params)).toBe(expected);
  });

  it('a self rule at a role above the caller refuses even their own id', () => {
    const agentSelf = operation({ role: 'admin', self: { param: 'user_id', role: 'agent' } });
    expect(isAllowed(agentSelf, user('guest'), { user_id: 'u-1' })).toBe(false);
    expect(isAllowed(agentSelf, user('agent'), { user_id: 'u-1' })).toBe(true);
    expect(isAllowed(agentSelf, user('agent'), { user_id: 'u-9' })).toBe(false);
  });

  it.each([
    [selfRule, 'guest'], [agentOnly, 'agent'], [publicOp, 'public'], [operation({ role: 'bot', self: { param: 'id', role: 'agent' } }), 'agent'],
  ] as const)('lowestRole is the self rule\'s role, else the operation\'s (%#)', (op, expected) => {
    expect(lowestRole(op)).toBe(expected);
  });

  it.each([
    [{ user_id: 'u-1' }, true], [{ user_id: 'me' }, true], [{ user_id: 'u-2' }, false], [{ user_id: '' }, false], [{}, false],
  ] as const)('isSelf(%j) for u-1', (params, expected) => {
    expect(isSelf(selfRule, params, { sub: 'u-1' })).toBe(expected);
    expect(isSelf(agentOnly, params, { sub: 'u-1' })).toBe(false);
  });

  it('the participant rule binds every visitor and callers below `all`', () => {
    const participant = operation({ role: 'guest', participant: { resource: 'conversation', param: 'token', all: 'agent' } });
    const rows: Array<[Pick<Identity, 'role' | 'kind'>, boolean]> = [
      [{ role: 'guest', kind: 'user' }, true],
      [{ role: 'agent', kind: 'user' }, false],
      [{ role: 'bot', kind: 'api_key' }, false],
      [{ role: 'admin', kind: 'client' }, false],
      [{ role: 'guest', kind: 'visitor' }, true],
      [{ role: 'admin', kind: 'visitor' }, true],
    ];
    for (const [identity, expected] of rows) expect(needsParticipation(participant, identity), JSON.stringify(identity)).toBe(expected);
    expect(needsParticipation(agentOnly, { role: 'guest', kind: 'visitor' })).toBe(false);
  });
});

describe('first-party users', () => {
  it.each([
    ['user', FIRST_PARTY_CLIENT_ID, true],
    ['user', 'gh_someapp', false],
    ['user', undefined, false],
    ['api_key', FIRST_PARTY_CLIENT_ID, false],
    ['client', FIRST_PARTY_CLIENT_ID, false],
    ['visitor', FIRST_PARTY_CLIENT_ID, false],
  ] as const)('%s with client %s: %s', (kind, clientId, expected) => {
    expect(isFirstPartyUser({ kind, ...(clientId ? { client_id: clientId } : {}) })).toBe(expected);
  });
  it('is the literal id the token API signs with', () => {
    expect(FIRST_PARTY_CLIENT_ID).toBe('gatehouse-first-party');
  });
});
