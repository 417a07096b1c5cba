import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperationByName, operations } from '../../src/contract/index.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { collections, samples } from './fixtures.js';

// REST and RPC are two doors to one handler (seed 000 RPC, seed 002 REST): the same operation
// gives the same data through both, and a form-encoded RPC body means what its JSON does.

describe('REST and RPC parity', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  const ids: Record<string, string> = {};
  /** What each sample was created with, to read back. */
  const created: Record<string, Record<string, unknown>> = {};
  /** Path parameters other than `{id}` (public tokens), per resource. */
  const tokens: Record<string, Record<string, string>> = {};
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
    for (const [prefix, sample] of Object.entries(samples)) {
      created[prefix] = sample.create();
      const res = await api.call(tenant.identity('admin'), 'POST', `/v1/${prefix}.create`, created[prefix]);
      expect(res.status, prefix).toBe(201);
      ids[prefix] = (res.body.data as { id: string }).id;
    }
    ids.members = tenant.users.agent.id;
    ids.organizations = tenant.organizationId;
    const events = await api.call(tenant.identity('admin'), 'GET', '/v2/audit-events?limit=1');
    ids.auditEvents = (events.body.data as Array<{ id: string }>)[0]!.id;
    const widget = await api.call(tenant.identity('admin'), 'POST', '/v2/widgets', { name: 'Parity', allowed_origins: ['https://parity.example'] });
    tokens.widgets = { clientToken: (widget.body.data as { client_token: string }).client_token };
    tokens.visitors = { token: `vis_${'P'.repeat(24)}` };
    await api.runtime.db.knex('visitors').insert({ organization_id: tenant.organizationId, token: tokens.visitors.token, secret_hash: 'parity', context: JSON.stringify({ page: '/' }) });
    // Conversations are addressed by token; one with two messages reads back through every door.
    const conversation = await api.call(tenant.identity('admin'), 'POST', '/v2/conversations', { message: { content: { type: 'text', text: 'one' } } });
    tokens.conversations = { token: (conversation.body.data as { token: string }).token };
    const message = await api.call(tenant.identity('admin'), 'POST', `/v2/conversations/${tokens.conversations.token}/messages`, { content: { type: 'text', text: 'two' } });
    ids.messages = (message.body.data as { id: string }).id;
    await api.call(tenant.identity('admin'), 'POST', `/v2/conversations/${tokens.conversations.token}/participants`, { user_id: tenant.users.guest.id });
    // A webhook's delivery log reads back through every door once it holds a (test) delivery.
    const delivery = await api.call(tenant.identity('admin'), 'POST', `/v2/webhooks/${ids.webhooks}/test`);
    tokens.webhooks = { deliveryId: (delivery.body.data as { id: string }).id };
  });
  afterAll(() => api.close());

  it('stores free text with Unicode, quotes and markup and gives it back unchanged', async () => {
    const textFields = ['name', 'title', 'subject', 'description', 'body'];
    let compared = 0;
    for (const [prefix, body] of Object.entries(created)) {
      const read = await api.call(tenant.identity('admin'), 'GET', `/v2${collections[prefix]}/${ids[prefix]}`);
      expect(read.status, prefix).toBe(200);
      for (const field of textFields.filter((f) => typeof body[f] === 'string')) {
        expect((read.body.data as Record<string, unknown>)[field], `${prefix}.${field}`).toBe(body[field]);
        compared += 1;
      }
    }
    // groups (name, description), users, contacts, categories, items (title, body), forms, services, tags, tickets
    expect(compared).toBe(11);
  });

  const reads = operations.filter((operation) => operation.method === 'GET' && operation.role !== 'public');
  /** Query arguments an operation cannot do without. */
  const requiredQuery: Record<string, Record<string, string>> = {
    'statistics.chats': { from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z', tz: 'Europe/Berlin' },
  };

  it.each(reads.map((operation) => [operation.name, operation] as const))('%s gives the same data both ways', async (_name, operation) => {
    const prefix = operation.name.split('.')[0]!;
    if (operation.stream) return; // a live stream, not a JSON answer
    const known: Record<string, string> = { ...(ids[prefix] !== undefined ? { id: ids[prefix] } : {}), ...tokens[prefix] };
    const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    if (names.some((name) => known[name] === undefined)) return; // operations of other issues (API keys) have their own tests
    const params = Object.fromEntries(names.map((name) => [name, known[name]!]));
    const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => known[name]!);
    const identity = tenant.identity('admin');
    const required = requiredQuery[operation.name] ?? {};
    const query = operation.list ? '?limit=2' : Object.keys(required).length > 0 ? `?${new URLSearchParams(required)}` : '';
    const rest = await api.call(identity, 'GET', `/v2${path}${query}`);
    const unversioned = await api.call(identity, 'GET', `${path}${query}`);
    const rpc = await api.call(identity, 'POST', `/v1/${operation.name}`, { ...params, ...required, ...(operation.list ? { limit: 2 } : {}) });
    expect(rest.status).toBe(200);
    expect(rpc.status).toBe(200);
    expect(rpc.body).toEqual(rest.body.ok ? { ...rest.body } : rest.body);
    expect(unversioned.body).toEqual(rest.body);
    // The answer is what the contract (and so the OpenAPI document) promises.
    const items = operation.list ? (rest.body.data as unknown[]) : [rest.body.data];
    if (operation.list && (ids[prefix] ?? tokens[prefix]) !== undefined) expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      const parsed = operation.response!.safeParse(item);
      expect(parsed.success, `${operation.name}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
    }
    if (operation.list && rest.body.next_cursor) {
      const restNext = await api.call(identity, 'GET', `/v2${path}?limit=2&cursor=${rest.body.next_cursor}`);
      const form = new URLSearchParams({ ...params, limit: '2', cursor: String(rpc.body.next_cursor) }).toString();
      const rpcNext = await api.call(identity, 'POST', `/v1/${operation.name}`, form, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(rpcNext.status).toBe(200);
      expect(rpcNext.body).toEqual(restNext.body);
    }
  });

  it('a write through RPC is what REST then reads, with a form body too', async () => {
    const created = await api.call(tenant.identity('bot'), 'POST', '/v1/contacts.create', 'name=Bob&email=bob%40example.test&attributes=%7B%22vip%22%3Atrue%7D', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(created.status).toBe(201);
    const data = created.body.data as { id: string; attributes: unknown; email: string };
    expect(data.attributes).toEqual({ vip: true });
    expect(data.email).toBe('bob@example.test');
    const fetched = await api.call(tenant.identity('bot'), 'GET', `/v2/contacts/${data.id}`);
    expect(fetched.body.data).toEqual(data);

    const updated = await api.call(tenant.identity('admin'), 'POST', '/v1/services.update', `id=${ids.services}&active=false`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(updated.status).toBe(200);
    expect((updated.body.data as { active: boolean }).active).toBe(false);
    const viaRest = await api.call(tenant.identity('admin'), 'GET', `/v2/services/${ids.services}`);
    expect(viaRest.body.data).toEqual(updated.body.data);

    const removed = await api.call(tenant.identity('bot'), 'POST', '/v1/knowledgeItems.delete', { id: ids.knowledgeItems });
    expect(removed.body, JSON.stringify(removed.body)).toEqual({ ok: true, data: { id: ids.knowledgeItems, deleted: true } });
    const gone = await api.call(tenant.identity('bot'), 'GET', `/v2/knowledge-items/${ids.knowledgeItems}`);
    expect([gone.status, gone.body.error]).toEqual([404, 'not_found']);
  });

  it('lists filter the same way through both surfaces', async () => {
    const rest = await api.call(tenant.identity('admin'), 'GET', '/v2/users?role=agent');
    const rpc = await api.call(tenant.identity('admin'), 'POST', '/v1/users.list', { role: 'agent' });
    expect(rpc.body).toEqual(rest.body);
    expect((rest.body.data as Array<{ role: string }>).every((user) => user.role === 'agent')).toBe(true);
    expect((rest.body.data as unknown[]).length).toBeGreaterThan(0);
    expect(findOperationByName('users.list')?.path).toBe(collections.users);
  });
});
