import { describe, expect, it } from 'vitest';
import { handlers } from '../../src/api/handlers.js';
import { findOperationByName, isAllowed, lowestRole, operations, routes } from '../../src/contract/index.js';

// The contract table itself: the invariants the gateway, the resource API and the docs rely on.
describe('the contract', () => {
  it('names operations resource.verb in camelCase, so RPC methods read alike (apiKeys.list, clients.rotateSecret, widgets.cards.add)', () => {
    // A nested resource adds one segment: seed 000 and issue 10 name `widgets.cards.add`.
    expect(operations.map((operation) => operation.name).filter((name) => !/^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)?\.[a-z][A-Za-z]*$/.test(name))).toEqual([]);
  });

  it('binds every operation of the contract to exactly one handler of the resource API, and nothing else', () => {
    expect([...handlers.keys()].sort()).toEqual(operations.map((operation) => operation.name).sort());
  });

  it('answers 201 exactly where a row says so: the creations', () => {
    expect(operations.filter((operation) => operation.successStatus === 201).map((operation) => operation.name).sort()).toEqual([
      'apiKeys.create', 'clients.create', 'contacts.create', 'conversations.create', 'conversations.participants.add', 'forms.create', 'invitations.create', 'knowledgeCategories.create',
      'knowledgeItems.create', 'messages.create', 'organizationGroups.create', 'organizations.create', 'services.create', 'tabs.create', 'tags.create',
      'tickets.create', 'tickets.messages.create', 'users.create', 'webhooks.create', 'widgets.cards.add', 'widgets.create',
    ]);
  });

  it('names every operation once and gives each method + path one operation', () => {
    const names = operations.map((operation) => operation.name);
    expect(new Set(names).size).toBe(names.length);
    const routesSeen = operations.map((operation) => `${operation.method} ${operation.path}`);
    expect(new Set(routesSeen).size).toBe(routesSeen.length);
    for (const operation of operations) {
      expect(operation.name).toMatch(/^[a-z][A-Za-z-]*(\.[a-z][A-Za-z-]*)+$/);
      expect(operation.path).toMatch(/^\/[a-z0-9\-/{}A-Z]*$/);
      expect(operation.cost).toBeGreaterThan(0);
      expect(operation.bodyLimit).toBeGreaterThan(0);
      expect(operation.description.length).toBeGreaterThan(5);
      expect(Object.isFrozen(operation)).toBe(true);
      // Every {param} of the path has a schema, and nothing else is a path parameter.
      const placeholders = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = operation.params ? Object.keys((operation.params as unknown as { shape: object }).shape) : [];
      expect(declared.sort(), operation.name).toEqual(placeholders.sort());
    }
  });

  it('matches REST (versioned or not), RPC, literal segments before parameters, and 405s', () => {
    const id = '0b5e2d8e-4a2f-4b4e-9d5c-2f0d9a1b2c3d';
    const cases: Array<[string, string, string, unknown]> = [
      ['GET', '/v2/users/me', 'users.fetchMe', {}],
      ['GET', '/users/me/', 'users.fetchMe', {}],
      ['GET', `/v2/users/${id}`, 'users.fetch', { id }],
      ['PATCH', '/users/me', 'users.updateMe', {}],
      ['POST', '/invitations/accept', 'invitations.accept', {}],
      ['POST', '/v1/contacts.create', 'contacts.create', {}],
      ['GET', '/health', 'health.check', {}],
    ];
    for (const [method, path, name, params] of cases) {
      const match = routes.match(method, path);
      expect(match.kind === 'rest' || match.kind === 'rpc' ? [match.operation.name, match.params] : match, `${method} ${path}`).toEqual([name, params]);
    }
    expect(routes.match('GET', '/v1/contacts.create')).toEqual({ kind: 'method_not_allowed', allow: ['POST'] });
    expect(routes.match('PUT', '/v2/contacts')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'POST'] });
    expect(routes.match('GET', '/v2')).toEqual({ kind: 'none' });
    expect(routes.match('GET', '/v3/contacts')).toEqual({ kind: 'none' });
    expect(routes.match('POST', '/v1/nope')).toEqual({ kind: 'none' });
  });

  it('applies the self rule only to the caller and only where declared', () => {
    const fetch = findOperationByName('users.fetch')!;
    expect(lowestRole(fetch)).toBe('guest');
    expect(isAllowed(fetch, { sub: 'u1', role: 'guest', kind: 'user' as const }, { id: 'u1' })).toBe(true);
    expect(isAllowed(fetch, { sub: 'u1', role: 'guest', kind: 'user' as const }, { id: 'me' })).toBe(true);
    expect(isAllowed(fetch, { sub: 'u1', role: 'guest', kind: 'user' as const }, { id: 'u2' })).toBe(false);
    expect(isAllowed(fetch, { sub: 'u1', role: 'bot', kind: 'user' as const }, { id: 'u2' })).toBe(true);
    expect(isAllowed(fetch, undefined, { id: 'u1' })).toBe(false);
    const remove = findOperationByName('users.delete')!;
    expect(isAllowed(remove, { sub: 'u1', role: 'bot', kind: 'user' as const }, { id: 'u1' })).toBe(false);
    expect(isAllowed(findOperationByName('invitations.accept')!, undefined, {})).toBe(true);
  });
});
