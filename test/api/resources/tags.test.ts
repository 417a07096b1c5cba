import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { addVisitor, ok, refused, startConversation, type Visitor } from './chat-fixtures.js';

// Conversation tags (DESIGN.md "Conversations"): admins manage them, agents read them; a label per
// language; a name unique in the organization; deleting one takes it off every conversation.

describe('tags', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let visitor: Visitor;
  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Tags A');
    b = await api.tenant('Tags B');
    visitor = await addVisitor(api, a);
  });
  afterAll(() => api.close());

  it('create, list, fetch, update, delete; REST and RPC', async () => {
    const admin = a.identity('admin');
    const created = ok(await api.call(admin, 'POST', '/v2/tags', { name: 'billing', labels: { de: 'Abrechnung', 'pt-BR': 'Cobrança' } }), 201);
    expect(created).toMatchObject({ name: 'billing', labels: { de: 'Abrechnung', 'pt-BR': 'Cobrança' } });
    const id = String(created.id);
    expect(ok(await api.call(admin, 'POST', '/v1/tags.create', { name: 'sales' }), 201)).toMatchObject({ name: 'sales', labels: {} });
    const listed = ok(await api.call(a.identity('agent'), 'GET', '/tags')) as unknown as { name: string }[];
    expect(listed.map((tag) => tag.name)).toEqual(['billing', 'sales']);
    expect(ok(await api.call(a.identity('agent'), 'GET', `/v2/tags/${id}`))).toEqual(created);
    const renamed = ok(await api.call(admin, 'PATCH', `/v2/tags/${id}`, { name: 'invoices' }));
    expect(renamed).toMatchObject({ name: 'invoices', labels: { de: 'Abrechnung', 'pt-BR': 'Cobrança' } });
    // `labels` replaces the whole map.
    expect(ok(await api.call(admin, 'POST', '/v1/tags.update', { id, labels: { fr: 'Factures' } }))).toMatchObject({ labels: { fr: 'Factures' } });
    expect(ok(await api.call(admin, 'DELETE', `/tags/${id}`))).toEqual({ id, deleted: true });
    expect(refused(await api.call(admin, 'GET', `/v2/tags/${id}`)).slice(0, 2)).toEqual([404, 'not_found']);
  });

  it('refuses bad names and labels, a duplicate name (409), and roles below admin for writes', async () => {
    const admin = a.identity('admin');
    ok(await api.call(admin, 'POST', '/v2/tags', { name: 'vip' }), 201);
    expect(refused(await api.call(admin, 'POST', '/v2/tags', { name: 'vip' })).slice(0, 2)).toEqual([409, 'conflict']);
    const table: [unknown, string][] = [
      [{ name: 'VIP' }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'a'.repeat(41) }, 'name'],
      [{ name: 'has space' }, 'name'],
      [{ name: 'ok', labels: { 'not a locale': 'x' } }, 'labels.not a locale'],
      [{ name: 'ok', labels: { de: '' } }, 'labels.de'],
      [{ name: 'ok', labels: { de: 'x'.repeat(61) } }, 'labels.de'],
      [{ name: 'ok', labels: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`l${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, 'x'])) }, 'labels'],
      [{ name: 'ok', colour: 'red' }, 'colour'],
      [{ name: 'n\u0000ul' }, 'name'],
    ];
    for (const [body, field] of table) expect(refused(await api.call(admin, 'POST', '/v2/tags', body)), JSON.stringify(body)).toEqual([400, 'validation_failed', field]);
    for (const role of ['guest', 'agent', 'bot'] as const) {
      expect(refused(await api.call(a.identity(role), 'POST', '/v2/tags', { name: 'nope' })).slice(0, 2)).toEqual([403, 'insufficient_scope']);
    }
    expect(refused(await api.call(a.identity('guest'), 'GET', '/v2/tags')).slice(0, 2)).toEqual([403, 'insufficient_scope']);
    expect(refused(await api.call(visitor.identity, 'GET', '/v2/tags')).slice(0, 2)).toEqual([403, 'insufficient_scope']);
  });

  it('deleting a tag takes it off its conversations', async () => {
    const admin = a.identity('admin');
    const tag = ok(await api.call(admin, 'POST', '/v2/tags', { name: 'temporary' }), 201);
    const token = await startConversation(api, a, visitor);
    ok(await api.call(admin, 'PATCH', `/v2/conversations/${token}`, { tags: ['temporary'] }));
    ok(await api.call(admin, 'DELETE', `/v2/tags/${String(tag.id)}`));
    expect(ok(await api.call(admin, 'GET', `/v2/conversations/${token}`)).tags).toEqual([]);
  });

  it('another organization: its own names, 404 on every id of A, never in its list', async () => {
    const tag = ok(await api.call(a.identity('admin'), 'POST', '/v2/tags', { name: 'shared-name' }), 201);
    ok(await api.call(b.identity('admin'), 'POST', '/v2/tags', { name: 'shared-name' }), 201);
    const id = String(tag.id);
    const intruder = b.identity('admin');
    for (const [method, path, body, rpc] of [
      ['GET', `/v2/tags/${id}`, undefined, 'tags.fetch'], ['PATCH', `/v2/tags/${id}`, { name: 'taken' }, 'tags.update'], ['DELETE', `/v2/tags/${id}`, undefined, 'tags.delete'],
    ] as const) {
      expect(refused(await api.call(intruder, method, path, body)).slice(0, 2), path).toEqual([404, 'not_found']);
      expect(refused(await api.call(intruder, 'POST', `/v1/${rpc}`, { id, ...(body ?? {}) })).slice(0, 2), rpc).toEqual([404, 'not_found']);
    }
    const listed = ok(await api.call(intruder, 'GET', '/v2/tags?limit=100')) as unknown as { id: string }[];
    expect(listed.map((row) => row.id)).not.toContain(id);
    // B cannot put A's tag on B's conversation: names resolve in B's organization only.
    const tokenB = await startConversation(api, b);
    expect(ok(await api.call(intruder, 'PATCH', `/v2/conversations/${tokenB}`, { tags: ['shared-name'] })).tags).toEqual([{ name: 'shared-name', label: 'shared-name' }]);
    const stored = await api.runtime.db.knex('conversation_tags').where({ tag_id: id });
    expect(stored).toEqual([]);
    expect(ok(await api.call(a.identity('admin'), 'GET', `/v2/tags/${id}`)).name).toBe('shared-name');
  });
});
