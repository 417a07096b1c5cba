import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperationByName } from '../../src/contract/index.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { collections, samples } from './fixtures.js';

// DESIGN.md "Resources": every query carries the caller's organization; a row of another
// organization is not_found (never forbidden) on fetch, update, delete and RPC, and never shows
// in another organization's lists or counts.

interface Item {
  prefix: string;
  id: string;
  idField: 'id' | 'user_id';
}

describe('tenant isolation', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  const items: Item[] = [];

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Organization A');
    b = await api.tenant('Organization B');
    const admin = a.identity('admin');
    for (const [prefix, sample] of Object.entries(samples)) {
      const res = await api.call(admin, 'POST', `/v2${collections[prefix]}`, sample.create());
      expect(res.status, `${prefix}: ${JSON.stringify(res.body)}`).toBe(201);
      const shape = findOperationByName(`${prefix}.create`)!.response!.safeParse(res.body.data);
      expect(shape.success, `${prefix}.create answers its contract schema`).toBe(true);
      items.push({ prefix, id: (res.body.data as { id: string }).id, idField: 'id' });
    }
    // A group with a member and a category with an article: their counts must not leak.
    const group = items.find((item) => item.prefix === 'organizationGroups')!;
    const member = await api.call(admin, 'PATCH', `/v2/members/${a.users.agent.id}`, { group_ids: [group.id] });
    expect(member.status, JSON.stringify(member.body)).toBe(200);
    const category = items.find((item) => item.prefix === 'knowledgeCategories')!;
    const article = await api.call(admin, 'POST', '/v2/knowledge-items', { title: 'x', body: 'y', category_id: category.id });
    expect(article.status).toBe(201);
    items.push({ prefix: 'members', id: a.users.agent.id, idField: 'user_id' });
    items.push({ prefix: 'organizations', id: a.organizationId, idField: 'id' });
    const events = await api.call(admin, 'GET', '/v2/audit-events?limit=1');
    items.push({ prefix: 'auditEvents', id: (events.body.data as Array<{ id: string }>)[0]!.id, idField: 'id' });
  });
  afterAll(() => api.close());

  const otherUpdates: Record<string, Record<string, unknown>> = { members: { role: 'bot' }, organizations: { name: 'Taken over' } };
  const prefixes = [...Object.keys(samples), 'members', 'organizations', 'auditEvents'];

  it.each(prefixes)('%s: B gets 404 for every id of A, over REST and RPC', async (prefix) => {
    const item = items.find((candidate) => candidate.prefix === prefix)!;
    const intruder = b.identity('admin');
    for (const action of ['fetch', 'update', 'delete'] as const) {
      const operation = findOperationByName(`${prefix}.${action}`);
      if (!operation) continue;
      const body = action === 'update' ? (samples[prefix]?.update ?? otherUpdates[prefix]) : undefined;
      const rest = await api.call(intruder, operation.method, `/v2${operation.path.replace('{id}', item.id)}`, body);
      expect([rest.status, rest.body.error], `${operation.name} REST`).toEqual([404, 'not_found']);
      const rpc = await api.call(intruder, 'POST', `/v1/${operation.name}`, { id: item.id, ...(body ?? {}) });
      expect([rpc.status, rpc.body.error], `${operation.name} RPC`).toEqual([404, 'not_found']);
    }
    // …and A still has it, unchanged by B's attempts.
    const fetch = findOperationByName(`${prefix}.fetch`)!;
    const own = await api.call(a.identity('admin'), 'GET', `/v2${fetch.path.replace('{id}', item.id)}`);
    expect(own.status).toBe(200);
    expect((own.body.data as Record<string, unknown>)[item.idField]).toBe(item.id);
  });

  it.each(prefixes)("%s: A's rows never appear in B's list", async (prefix) => {
    const item = items.find((candidate) => candidate.prefix === prefix)!;
    const ids: unknown[] = [];
    let cursor: string | null | undefined;
    do {
      const res = await api.call(b.identity('admin'), 'GET', `/v2${collections[prefix]}?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      for (const row of res.body.data as Array<Record<string, unknown>>) {
        ids.push(row[item.idField]);
        if ('organization_id' in row) expect(row.organization_id).toBe(b.organizationId);
      }
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(ids).not.toContain(item.id);
  });

  it("B's counts and filters ignore A's rows", async () => {
    const group = items.find((item) => item.prefix === 'organizationGroups')!;
    const category = items.find((item) => item.prefix === 'knowledgeCategories')!;
    const members = await api.call(b.identity('admin'), 'GET', `/v2/members?group_id=${group.id}`);
    expect(members.body.data).toEqual([]);
    const articles = await api.call(b.identity('admin'), 'GET', `/v2/knowledge-items?category_id=${category.id}`);
    expect(articles.body.data).toEqual([]);
    const ownGroup = await api.call(a.identity('admin'), 'GET', `/v2/organization-groups/${group.id}`);
    expect((ownGroup.body.data as { member_count: number }).member_count).toBe(1);
    const ownCategory = await api.call(a.identity('admin'), 'GET', `/v2/knowledge-categories/${category.id}`);
    expect((ownCategory.body.data as { item_count: number }).item_count).toBe(1);
  });

  it("B cannot link A's rows into its own (groups, categories)", async () => {
    const group = items.find((item) => item.prefix === 'organizationGroups')!;
    const category = items.find((item) => item.prefix === 'knowledgeCategories')!;
    const intruder = b.identity('admin');
    const service = await api.call(intruder, 'POST', '/v2/services', { name: 'x', group_id: group.id });
    expect([service.status, service.body.details?.fields?.[0]?.field]).toEqual([400, 'group_id']);
    const article = await api.call(intruder, 'POST', '/v2/knowledge-items', { title: 'x', body: 'y', category_id: category.id });
    expect([article.status, article.body.details?.fields?.[0]?.field]).toEqual([400, 'category_id']);
    const member = await api.call(intruder, 'PATCH', `/v2/members/${b.users.agent.id}`, { group_ids: [group.id] });
    expect([member.status, member.body.details?.fields?.[0]?.field]).toEqual([400, 'group_ids']);
    const invitation = await api.call(intruder, 'POST', '/v2/invitations', { email: `${randomUUID()}@example.test`, role: 'agent', group_ids: [group.id] });
    expect([invitation.status, invitation.body.details?.fields?.[0]?.field]).toEqual([400, 'group_ids']);
  });

  it('an admin cannot grant a role to a user of another organization', async () => {
    const res = await api.call(b.identity('admin'), 'PATCH', `/v2/users/${a.users.guest.id}`, { role: 'admin' });
    expect([res.status, res.body.error]).toEqual([404, 'not_found']);
    const row = await api.runtime.db.knex('memberships').where({ user_id: a.users.guest.id }).first();
    expect(row.role).toBe('guest');
  });
});
