import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type Operation } from '../../src/contract/index.js';
import { ROLES, type Role } from '../../src/contract/roles.js';
import { expectedMinimum, expectedToPass, MINIMUM_ROLE } from '../helpers/permission-table.js';
import { json, mint, request, startGateway, startIssuer, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

// Seed 001's permission table, verbatim (minimum role per row); DESIGN.md "Permission matrix".
const seed001: Record<string, Role> = {
  'organizations.list': 'bot', 'organizationGroups.list': 'bot', 'users.list': 'bot', 'contacts.list': 'agent',
  'knowledgeItems.list': 'agent', 'forms.list': 'bot', 'services.list': 'admin',
  'organizations.fetch': 'bot', 'organizationGroups.fetch': 'bot', 'users.fetch': 'bot', 'contacts.fetch': 'bot',
  'knowledgeItems.fetch': 'agent', 'forms.fetch': 'admin', 'services.fetch': 'admin',
  'organizations.create': 'admin', 'organizationGroups.create': 'admin', 'users.create': 'admin', 'contacts.create': 'bot',
  'knowledgeItems.create': 'agent', 'forms.create': 'bot', 'services.create': 'admin',
  'organizations.update': 'admin', 'organizationGroups.update': 'admin', 'users.update': 'admin', 'contacts.update': 'bot',
  'knowledgeItems.update': 'agent', 'forms.update': 'bot', 'services.update': 'admin',
  'knowledgeItems.delete': 'bot', 'organizations.delete': 'admin', 'contacts.delete': 'admin', 'services.delete': 'admin',
  'tickets.delete': 'admin',
};

function concretePath(operation: Operation): string {
  return operation.path.replace(/\{[^}]+\}/g, 'someone-else');
}

describe('permission matrix from the contract: every operation × every role', () => {
  let issuer: Issuer;
  let api: Upstream;
  let gateway: TestGateway;
  const tokens = new Map<Role, string>();
  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream();
    gateway = await startGateway({
      issuer, api,
      gateway: { operations },
      runtimeOptions: { config: { RATE_LIMIT_GUEST: 100_000, RATE_LIMIT_AGENT: 100_000, RATE_LIMIT_BOT: 100_000, RATE_LIMIT_ADMIN: 100_000, RATE_LIMIT_ORGANIZATION: 1_000_000, RATE_LIMIT_ANONYMOUS: 100_000 } },
    });
    for (const role of ROLES) tokens.set(role, await mint(issuer, { claims: { scope: `openid ${role}`, sub: 'me-123' } }));
  });
  afterAll(async () => {
    await gateway.close();
    await api.close();
    await issuer.close();
  });

  it('holds seed 001 verbatim in the table the gateway enforces', () => {
    for (const [name, role] of Object.entries(seed001)) {
      const operation = operations.find((op) => op.name === name);
      expect(operation, name).toBeDefined();
      expect(operation!.role, name).toBe(role);
    }
  });

  it('has a literal answer for exactly the operations of the contract', () => {
    expect(operations.map((op) => op.name).sort()).toEqual(Object.keys(MINIMUM_ROLE).sort());
  });

  const cases = operations.flatMap((operation) => ROLES.map((role) => [operation.name, role, operation] as const));
  it.each(cases)('%s as %s: allowed or 403 insufficient_scope', async (_name, role, operation) => {
    const path = `/v2${concretePath(operation)}`;
    const before = api.seen.length;
    const res = await request(gateway.url, path, { method: operation.method, headers: { authorization: `Bearer ${tokens.get(role)}`, 'content-type': 'application/json' }, body: operation.method === 'GET' ? undefined : '{}' });
    if (expectedToPass(operation.name, role)) {
      expect(res.status).toBe(200);
      expect(api.seen.length).toBe(before + 1);
    } else {
      expect(res.status).toBe(403);
      const required = expectedMinimum(operation.name);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: 'insufficient_scope', details: { required_scope: required } });
      expect(res.headers['www-authenticate']).toBe(`Bearer error="insufficient_scope", scope="${required}"`);
      expect(api.seen.length).toBe(before);
    }
  });

  it('applies the self rule on REST paths and the lowest role on RPC (the API decides the rest)', async () => {
    const guest = `Bearer ${tokens.get('guest')}`;
    expect((await request(gateway.url, '/users/me-123', { headers: { authorization: guest } })).status).toBe(200);
    expect((await request(gateway.url, '/users/someone-else', { headers: { authorization: guest } })).status).toBe(403);
    expect((await request(gateway.url, '/v1/users.fetch', { method: 'POST', headers: { authorization: guest }, body: '{"id":"me-123"}' })).status).toBe(200);
    const rpcDenied = await request(gateway.url, '/v1/users.create', { method: 'POST', headers: { authorization: guest }, body: '{}' });
    expect(rpcDenied.status).toBe(403);
  });

  it('lets anonymous callers reach public operations only', async () => {
    for (const operation of operations) {
      if (operation.path === '/health' && operation.method === 'GET') continue; // answered by the gateway itself
      const res = await request(gateway.url, `/v2${concretePath(operation)}`, { method: operation.method, body: operation.method === 'GET' ? undefined : '{}' });
      expect(res.status, operation.name).toBe(expectedMinimum(operation.name) === 'public' ? 200 : 401);
    }
    const ok = await fetch(`${gateway.url}/v2/health`);
    expect(await json(ok)).toMatchObject({ ok: true });
  });
});
