import { describe, expect, it } from 'vitest';
import { findOperationByName, type RouteMatch } from '../../src/contract/index.js';
import type { Role } from '../../src/contract/roles.js';
import { membershipSubject } from '../../src/db/revocations.js';
import { AuthFailure } from '../../src/gateway/auth-error.js';
import type { Caller } from '../../src/gateway/caller.js';
import { checkTarget } from '../../src/gateway/check-path.js';
import { checkRevocation, isRevoked } from '../../src/gateway/check-revocation.js';
import { enforcePermission } from '../../src/gateway/enforce-permission.js';
import type { RevocationList } from '../../src/gateway/revocation-list.js';
import { AppError } from '../../src/shared/errors.js';

// The gateway's pure rules, one table each, with the answers written out: which request targets
// pass, which credentials a denylist refuses, and what a refusal for a missing scope says. The
// HTTP tests (path variants, revocation, permission matrix) drive the same rules end to end.

describe('request targets', () => {
  const passes: Array<[string, { path: string; query: string }]> = [
    ['/v2/users/me', { path: '/v2/users/me', query: '' }],
    ['/v2/contacts?limit=1&x=%2F', { path: '/v2/contacts', query: 'limit=1&x=%2F' }],
    ['/v2/tickets/abc?', { path: '/v2/tickets/abc', query: '' }],
    ['/v2/a%20b', { path: '/v2/a%20b', query: '' }],
    ['/v2/users/me/', { path: '/v2/users/me/', query: '' }],
    ['/', { path: '/', query: '' }],
    ['/v2/x.y', { path: '/v2/x.y', query: '' }],
    ['/v2/...', { path: '/v2/...', query: '' }],
  ];
  it.each(passes)('%s passes as is', (url, expected) => {
    expect(checkTarget(url, 64)).toEqual(expected);
  });

  const refused: Array<[string, string]> = [
    ['v2/users/me', 'The request target must be a path.'],
    ['http://evil/v2/users/me', 'The request target must be a path.'],
    ['*', 'The request target must be a path.'],
    ['', 'The request target must be a path.'],
    [`/${'a'.repeat(64)}`, 'The request target is too long.'],
    ['/v2/users\\me', 'The request target holds a forbidden character.'],
    ['/v2/users/me\u0000', 'The request target holds a forbidden character.'],
    ['/v2/users/me?x=\u0001', 'The request target holds a forbidden character.'],
    ['/v2/users/me\u007f', 'The request target holds a forbidden character.'],
    ['/v2/users/me\u001f', 'The request target holds a forbidden character.'],
    ['/v2/users%2fme', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/users%2Fme', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/users%5Cme', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/%2e%2e/admin', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/%2E/x', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/x%00', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/x%252F', 'The path holds an encoded slash, dot, backslash, NUL or percent sign.'],
    ['/v2/x%2', 'The path holds a malformed percent-encoding.'],
    ['/v2/x%zz', 'The path holds a malformed percent-encoding.'],
    ['/v2/x%', 'The path holds a malformed percent-encoding.'],
    ['//v2/users/me', 'The path holds an empty segment.'],
    ['/v2//users/me', 'The path holds an empty segment.'],
    ['/v2/./users', 'The path holds a dot segment.'],
    ['/v2/../admin', 'The path holds a dot segment.'],
    ['/v2/users/..', 'The path holds a dot segment.'],
    ['/.', 'The path holds a dot segment.'],
  ];
  it.each(refused)('%j is refused: %s', (url, message) => {
    let thrown: unknown;
    try {
      checkTarget(url, 64);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'invalid_request', status: 400, message });
  });

  it('counts the query in the length and allows exactly the maximum', () => {
    expect(checkTarget(`/v2?${'q'.repeat(60)}`, 64).query).toHaveLength(60);
    expect(() => checkTarget(`/v2?${'q'.repeat(61)}`, 64)).toThrow('The request target is too long.');
    expect(() => checkTarget(undefined, 64)).toThrow('The request target must be a path.');
  });

  it('reads an encoded slash in the query as data', () => {
    expect(checkTarget('/v2/x?next=%2F%2e%2e', 64)).toEqual({ path: '/v2/x', query: 'next=%2F%2e%2e' });
  });
});

/**
 * A denylist as data: the entries it holds are the test's input. Keyed `kind:subject` as strings,
 * as the gateway's list is, so a missing claim looked up as `undefined` would find an entry for
 * the string "undefined": the rule must never ask.
 */
function denylist(ids: Array<[string, string]>, cutoffs: Array<[string, string, number]>): RevocationList {
  const key = (kind: string, subject: unknown) => `${kind}:${String(subject)}`;
  return {
    isRevoked: (kind, subject) => ids.some(([k, s]) => key(k, s) === key(kind, subject)),
    notBefore: (kind, subject) => cutoffs.find(([k, s]) => key(k, s) === key(kind, subject))?.[2],
    size: ids.length + cutoffs.length, ready: Promise.resolve(), loaded: true, stop() {},
  };
}

const user = (extra: Partial<Caller['identity']> = {}, caller: Partial<Caller> = {}): Caller => ({
  identity: { sub: 'u1', org: 'o1', role: 'agent', scopes: ['agent'], kind: 'user', jti: 't1', client_id: 'c1', ...extra },
  grantId: 'g1', issuedAt: 1_000, ...caller,
});

describe('the revocation rule', () => {
  const cases: Array<[string, Caller, RevocationList, boolean]> = [
    ['nothing listed', user(), denylist([], []), false],
    ['its token id', user(), denylist([['token', 't1']], []), true],
    ['another token id', user(), denylist([['token', 't2']], []), false],
    ['its grant', user(), denylist([['grant', 'g1']], []), true],
    ['its grant id listed as a token id', user(), denylist([['token', 'g1']], []), false],
    ['a token without a grant, its grant listed', user({}, { grantId: undefined }), denylist([['grant', 'g1']], []), false],
    ['its API key', user({ kind: 'api_key', key_id: 'k1', jti: undefined }, { grantId: undefined, issuedAt: undefined }), denylist([['api_key', 'k1']], []), true],
    ['another API key', user({ kind: 'api_key', key_id: 'k1', jti: undefined }, { grantId: undefined, issuedAt: undefined }), denylist([['api_key', 'k2']], []), false],
    ['an API key, a user cut-off (keys have no issue time here)', user({ kind: 'api_key', key_id: 'k1', jti: undefined }, { grantId: undefined, issuedAt: undefined }), denylist([], [['user', 'u1', 5_000]]), false],
    ['a user cut-off after issue', user(), denylist([], [['user', 'u1', 1_001]]), true],
    ['a user cut-off at the issue time', user(), denylist([], [['user', 'u1', 1_000]]), false],
    ['a user cut-off before issue', user(), denylist([], [['user', 'u1', 999]]), false],
    ['another user cut off', user(), denylist([], [['user', 'u2', 9_999]]), false],
    ['its membership cut off', user(), denylist([], [['membership', membershipSubject('o1', 'u1'), 2_000]]), true],
    ['its membership in another organization cut off', user(), denylist([], [['membership', membershipSubject('o2', 'u1'), 2_000]]), false],
    ['its client cut off', user(), denylist([], [['client', 'c1', 2_000]]), true],
    ['another client cut off', user(), denylist([], [['client', 'c2', 2_000]]), false],
    ['no client, a client cut-off for undefined', user({ client_id: undefined }), denylist([], [['client', 'undefined', 2_000]]), false],
    ['a visitor, its visitor cut off', user({ kind: 'visitor', sub: 'v1' }), denylist([], [['visitor', 'v1', 2_000]]), true],
    ['a visitor, a user cut-off of the same id', user({ kind: 'visitor', sub: 'v1' }), denylist([], [['user', 'v1', 2_000]]), false],
    ['a user, a visitor cut-off of the same id', user(), denylist([], [['visitor', 'u1', 2_000]]), false],
    ['no token id, the token "undefined" listed', user({ jti: undefined }), denylist([['token', 'undefined']], []), false],
    ['no grant, the grant "undefined" listed', user({}, { grantId: undefined }), denylist([['grant', 'undefined']], []), false],
    ['no key, the key "undefined" listed', user(), denylist([['api_key', 'undefined']], []), false],
  ];
  it.each(cases)('%s → revoked: %s', (_, caller, list, expected) => {
    expect(isRevoked(list, caller)).toBe(expected);
    if (expected) {
      expect(() => checkRevocation(list, caller)).toThrow(expect.objectContaining({
        code: 'invalid_auth', status: 401, reason: 'revoked', message: 'The credential has been revoked.',
        headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The credential has been revoked."' },
      }));
    } else {
      expect(() => checkRevocation(list, caller)).not.toThrow();
    }
  });
});

describe('the permission refusal', () => {
  const rest = (name: string, params: Record<string, string>): Extract<RouteMatch, { kind: 'rest' | 'rpc' }> => ({ kind: 'rest', operation: findOperationByName(name)!, params } as never);
  const rpc = (name: string): Extract<RouteMatch, { kind: 'rest' | 'rpc' }> => ({ kind: 'rpc', operation: findOperationByName(name)!, params: {} } as never);
  const caller = (role: Role | undefined, sub = 'u1'): Caller => user({ role, sub });

  // [route, caller, the scope named in the refusal or null when allowed]
  const cases: Array<[string, Extract<RouteMatch, { kind: 'rest' | 'rpc' }>, Caller | undefined, string | null]> = [
    ['users.update on oneself as guest (REST)', rest('users.update', { id: 'u1' }), caller('guest'), null],
    ['users.update on another as guest (REST)', rest('users.update', { id: 'u2' }), caller('guest'), 'admin'],
    ['users.update as guest (RPC: held to the self rule\'s role)', rpc('users.update'), caller('guest'), null],
    ['users.update without a role (RPC: the refusal names the lowest role)', rpc('users.update'), caller(undefined), 'guest'],
    ['users.update without a role (REST, another id)', rest('users.update', { id: 'u2' }), caller(undefined), 'admin'],
    ['users.delete on another as bot', rest('users.delete', { id: 'u2' }), caller('bot'), 'admin'],
    ['users.delete on another as admin', rest('users.delete', { id: 'u2' }), caller('admin'), null],
    ['contacts.list, no role (a caller whose role was lost)', rest('contacts.list', {}), caller(undefined), 'agent'],
    ['contacts.list, anonymous', rest('contacts.list', {}), undefined, 'agent'],
    ['contacts.list as agent', rest('contacts.list', {}), caller('agent'), null],
    ['health, anonymous', rest('health.check', {}), undefined, null],
  ];
  it.each(cases)('%s', (_, match, who, required) => {
    let thrown: unknown;
    try {
      enforcePermission(match, who);
    } catch (err) {
      thrown = err;
    }
    if (required === null) {
      expect(thrown).toBeUndefined();
      return;
    }
    expect(thrown).toBeInstanceOf(AuthFailure);
    expect(thrown).toMatchObject({
      status: 403, code: 'insufficient_scope', reason: 'insufficient_scope',
      message: `This operation requires the "${required}" scope.`,
      details: { required_scope: required },
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required}"` },
    });
  });
});
