import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_PARTY_CLIENT_ID } from '../../src/contract/first-party.js';
import { findOperationByName, operations } from '../../src/contract/index.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// DESIGN.md "Resources": a row of another organization is not_found. The credentials of an
// organization (API keys, OAuth clients) and the account operations the shared fixtures do not
// reach, tried by B's admin with A's real ids; then the ledger that keeps every list and every
// operation taking an id tried somewhere.

describe('tenant isolation: credentials and account operations', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Credentials A');
    b = await api.tenant('Credentials B');
    const admin = a.identity('admin', { client_id: FIRST_PARTY_CLIENT_ID });
    const key = await api.call(admin, 'POST', '/v2/api-keys', { name: 'A sync', scopes: ['agent'] });
    const client = await api.call(admin, 'POST', '/v2/clients', { name: 'A service', type: 'service', max_role: 'bot' });
    const user = await api.call(admin, 'POST', '/v2/users', { email: 'pending-a@example.test', name: 'Pending', role: 'agent' });
    const invitation = await api.call(admin, 'POST', '/v2/invitations', { email: 'invited-a@example.test', role: 'agent' });
    for (const res of [key, client, user, invitation]) expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.key = (key.body.data as { id: string }).id;
    ids.client = (client.body.data as { id: string }).id;
    ids.user = (user.body.data as { id: string }).id;
    ids.invitation = (invitation.body.data as { id: string }).id;
  });
  afterAll(() => api.close());

  const attempts = (): Array<[name: string, id: string, body?: Record<string, unknown>]> => [
    ['apiKeys.fetch', ids.key!], ['apiKeys.delete', ids.key!],
    ['clients.fetch', ids.client!], ['clients.update', ids.client!, { name: 'Taken over' }], ['clients.rotateSecret', ids.client!], ['clients.delete', ids.client!],
    ['users.resendActivation', ids.user!], ['invitations.resend', ids.invitation!],
  ];

  it("B's admin gets 404 not_found for each of A's credentials over REST and RPC, and they keep working for A", async () => {
    const intruder = b.identity('admin', { client_id: FIRST_PARTY_CLIENT_ID });
    const mails = await api.runtime.db.knex('mails').count<{ n: number | string }[]>({ n: '*' });
    for (const [name, id, body] of attempts()) {
      const operation = findOperationByName(name)!;
      const rest = await api.call(intruder, operation.method, `/v2${operation.path.replace('{id}', id)}`, body);
      expect([rest.status, rest.body.error], `${name} REST`).toEqual([404, 'not_found']);
      const rpc = await api.call(intruder, 'POST', `/v1/${name}`, { id, ...(body ?? {}) });
      expect([rpc.status, rpc.body.error], `${name} RPC`).toEqual([404, 'not_found']);
    }
    expect(await api.runtime.db.knex('mails').count<{ n: number | string }[]>({ n: '*' })).toEqual(mails);
    const key = await api.runtime.db.knex('api_keys').where({ id: ids.key }).first();
    expect([key.organization_id, key.revoked_at]).toEqual([a.organizationId, null]);
    const client = await api.call(a.identity('admin'), 'GET', `/v2/clients/${ids.client}`);
    expect([client.status, (client.body.data as { name: string }).name]).toEqual([200, 'A service']);
  });

  it("B's lists of keys and clients never name A's", async () => {
    for (const path of ['/v2/api-keys', '/v2/organization/api-keys', '/v2/clients']) {
      const res = await api.call(b.identity('admin', { client_id: FIRST_PARTY_CLIENT_ID }), 'GET', `${path}?limit=100`);
      expect(res.status, path).toBe(200);
      for (const id of [ids.key, ids.client, a.organizationId]) expect(JSON.stringify(res.body.data), `${path} names ${id}`).not.toContain(id);
    }
    const own = await api.call(a.identity('admin'), 'GET', '/v2/organization/api-keys?limit=100');
    expect((own.body.data as Array<{ id: string }>).map((row) => row.id)).toContain(ids.key);
  });
});

// Every list and every operation that takes an id, and the file that tries it with another
// organization's ids. A new resource fails here until its isolation is tested and named.
const GENERIC = 'test/api/tenant-isolation.test.ts';
const ACCOUNTS = 'test/api/tenant-isolation-accounts.test.ts';
const ISOLATION_LEDGER: Record<string, string> = Object.fromEntries([
  ...['organizations', 'organizationGroups', 'users', 'members', 'invitations', 'contacts', 'knowledgeCategories', 'knowledgeItems', 'forms', 'services', 'auditEvents', 'tags', 'tickets', 'webhooks']
    .flatMap((prefix) => ['list', 'fetch', 'update', 'delete'].map((verb) => [`${prefix}.${verb}`, GENERIC])),
  ...['widgets.list', 'widgets.fetch', 'widgets.update', 'widgets.delete', 'widgets.cards.add', 'widgets.cards.update', 'widgets.cards.remove', 'widgets.cards.reorder',
    'tabs.create', 'tabs.update', 'tabs.delete', 'tabs.reorder', 'visitors.list', 'visitors.fetch', 'visitors.updateContext', 'visitors.delete',
    'conversations.list', 'conversations.fetch', 'conversations.history', 'conversations.update', 'conversations.transfer', 'conversations.rate', 'conversations.delete', 'conversations.events',
    'conversations.participants.list', 'conversations.participants.add', 'conversations.participants.remove',
    'messages.list', 'messages.fetch', 'messages.create', 'messages.update', 'messages.delete'].map((name) => [name, GENERIC]),
  ...['apiKeys.list', 'apiKeys.fetch', 'apiKeys.delete', 'organizationApiKeys.list', 'clients.list', 'clients.fetch', 'clients.update', 'clients.delete', 'clients.rotateSecret',
    'users.resendActivation', 'invitations.resend'].map((name) => [name, ACCOUNTS]),
  ...['tickets.setStatus', 'tickets.status', 'tickets.messages.create', 'tickets.messages.list', 'tickets.events.list'].map((name) => [name, 'test/api/tickets-isolation.test.ts']),
  ...['webhooks.rotateSecret', 'webhooks.replay', 'webhooks.test', 'webhooks.deliveries.list', 'webhooks.deliveries.fetch', 'webhooks.deliveries.replay'].map((name) => [name, 'test/api/resources/webhooks.test.ts']),
]);

describe('isolation ledger', () => {
  it('names a test for every list and every operation taking an id, and nothing else', () => {
    const needed = operations.filter((operation) => operation.path.includes('{') || operation.name.endsWith('.list')).map((operation) => operation.name);
    expect(Object.keys(ISOLATION_LEDGER).filter((name) => findOperationByName(name) !== undefined).sort()).toEqual([...needed].sort());
    for (const file of new Set(Object.values(ISOLATION_LEDGER))) expect(existsSync(file), file).toBe(true);
  });
});
