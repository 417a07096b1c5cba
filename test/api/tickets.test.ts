import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketDetails } from '../../src/contract/operations/tickets.js';
import type { Identity } from '../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// Issue 12, tickets: create (numbers, status, references), fetch, list with every filter and a
// cursor that holds while tickets are added, PATCH of only the given fields, delete.

interface Ticket {
  id: string;
  number: number;
  status: string;
  subject: string;
  priority: string;
  tags: string[];
  assignee_id: string | null;
  group_id: string | null;
  requester: Record<string, unknown> | null;
  updated_at: string;
  messages?: Array<{ text: string; public: boolean; author: { type: string; id: string | null } }>;
}

describe('tickets', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let agent: Identity;
  let groupId: string;
  let contactId: string;

  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
    agent = tenant.identity('agent');
    const admin = tenant.identity('admin');
    groupId = ((await api.call(admin, 'POST', '/v2/organization-groups', { name: 'Billing' })).body.data as { id: string }).id;
    contactId = ((await api.call(admin, 'POST', '/v2/contacts', { name: 'Ann Requester', email: 'ann@example.test' })).body.data as { id: string }).id;
    for (const name of ['billing', 'vip']) expect((await api.call(admin, 'POST', '/v2/tags', { name })).status).toBe(201);
  });
  afterAll(() => api.close());

  const create = async (body: Record<string, unknown>, who: Identity = agent) => {
    const res = await api.call(who, 'POST', '/v2/tickets', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data as Ticket;
  };

  it('creates tickets numbered per organization, new without an assignee and open with one', async () => {
    const first = await create({ subject: 'Printer on fire', message: 'It smokes.' });
    expect(ticketDetails.safeParse(first).success).toBe(true);
    expect(first).toMatchObject({ status: 'new', priority: 'normal', subject: 'Printer on fire', assignee_id: null, requester: null, tags: [] });
    expect(first.messages).toEqual([expect.objectContaining({ text: 'It smokes.', public: true, author: { type: 'user', id: tenant.users.agent.id } })]);
    const second = await create({ subject: 'Refund', assignee_id: tenant.users.agent.id, priority: 'high', requester: contactId, group_id: groupId, tags: ['vip', 'billing', 'vip'] });
    expect(second).toMatchObject({ number: first.number + 1, status: 'open', priority: 'high', group_id: groupId, tags: ['billing', 'vip'] });
    expect(second.requester).toEqual({ type: 'contact', id: contactId, name: 'Ann Requester', email: 'ann@example.test' });

    // Another organization counts from 1 on its own.
    const other = await api.tenant();
    expect((await create({ subject: 'Elsewhere' }, other.identity('agent'))).number).toBe(1);
  });

  it('gives concurrent creations distinct consecutive numbers', async () => {
    const org = await api.tenant();
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => create({ subject: `Burst ${i}` }, org.identity('agent'))));
    expect(made.map((ticket) => ticket.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('fetches a ticket with its tags, requester, assignee and messages', async () => {
    const made = await create({ subject: 'Fetch me', assignee_id: tenant.users.bot.id, tags: ['vip'], requester: contactId });
    const res = await api.call(agent, 'GET', `/v2/tickets/${made.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: made.id, tags: ['vip'], assignee: { id: tenant.users.bot.id, name: 'bot user', email: tenant.users.bot.email }, messages: [] });
    expect((res.body.data as Ticket).requester).toMatchObject({ type: 'contact', id: contactId });
    expect((await api.call(agent, 'GET', `/tickets/${made.id}`)).status).toBe(200);
  });

  it('refuses references that are not of the organization, naming the field, whether or not they exist elsewhere', async () => {
    const other = await api.tenant();
    const theirs = other.identity('admin');
    const theirGroup = ((await api.call(theirs, 'POST', '/v2/organization-groups', { name: 'Theirs' })).body.data as { id: string }).id;
    const theirContact = ((await api.call(theirs, 'POST', '/v2/contacts', { name: 'Theirs' })).body.data as { id: string }).id;
    expect((await api.call(theirs, 'POST', '/v2/tags', { name: 'secret' })).status).toBe(201);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ assignee_id: other.users.agent.id }, 'assignee_id', 'is not an active member of this organization'],
      [{ assignee_id: '00000000-0000-4000-8000-000000000000' }, 'assignee_id', 'is not an active member of this organization'],
      [{ group_id: theirGroup }, 'group_id', 'no such organization group'],
      [{ group_id: '00000000-0000-4000-8000-000000000000' }, 'group_id', 'no such organization group'],
      [{ requester: theirContact }, 'requester', 'no such contact'],
      [{ requester: '00000000-0000-4000-8000-000000000000' }, 'requester', 'no such contact'],
      [{ requester: `vis_${'x'.repeat(24)}` }, 'requester', 'no such visitor'],
      [{ tags: ['billing', 'secret'] }, 'tags[1]', 'no such tag'],
      [{ conversation_token: `cnv_${'y'.repeat(24)}` }, 'conversation_token', 'no such conversation'],
    ];
    for (const [extra, field, message] of cases) {
      const res = await api.call(agent, 'POST', '/v2/tickets', { subject: 'x', ...extra });
      expect([res.status, res.body.error, res.body.details?.fields?.[0]], JSON.stringify(extra)).toEqual([400, 'validation_failed', { field, message }]);
    }
  });

  it('refuses malformed input with a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'subject'],
      [{ subject: '' }, 'subject'],
      [{ subject: 'x'.repeat(201) }, 'subject'],
      [{ subject: 'a\u0000b' }, 'subject'],
      [{ subject: 'x', priority: 'critical' }, 'priority'],
      [{ subject: 'x', status: 'open' }, 'status'],
      [{ subject: 'x', requester: 'someone' }, 'requester'],
      [{ subject: 'x', tags: ['Not A Tag'] }, 'tags[0]'],
      [{ subject: 'x', message: 'y'.repeat(10_001) }, 'message'],
      [{ subject: 'x', organization_id: tenant.organizationId }, 'organization_id'],
    ];
    for (const [body, field] of cases) {
      const res = await api.call(agent, 'POST', '/v2/tickets', body);
      expect([res.status, res.body.error], JSON.stringify(body).slice(0, 80)).toEqual([400, 'validation_failed']);
      expect(res.body.details?.fields?.map((f) => f.field), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    const big = await api.call(agent, 'POST', '/v2/tickets', { subject: 'x', message: 'y'.repeat(20_000) });
    expect([big.status, big.body.error]).toEqual([413, 'payload_too_large']);
  });

  it('PATCH changes only the given fields, records what changed, and opens a new ticket it assigns', async () => {
    const made = await create({ subject: 'Patch me', priority: 'low', tags: ['vip'], requester: contactId });
    const res = await api.call(agent, 'PATCH', `/v2/tickets/${made.id}`, { priority: 'urgent' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ subject: 'Patch me', priority: 'urgent', tags: ['vip'], status: 'new', requester: { id: contactId } });
    const assigned = await api.call(agent, 'PATCH', `/tickets/${made.id}`, { assignee_id: tenant.users.agent.id, tags: [], requester: null });
    expect(assigned.body.data).toMatchObject({ status: 'open', assignee_id: tenant.users.agent.id, tags: [], requester: null, priority: 'urgent' });
    const events = await api.call(agent, 'GET', `/v2/tickets/${made.id}/events`);
    expect((events.body.data as Array<{ type: string; changes: unknown }>).map((e) => [e.type, e.changes])).toEqual([
      ['created', null],
      ['updated', { priority: { from: 'low', to: 'urgent' } }],
      ['updated', { assignee_id: { from: null, to: tenant.users.agent.id }, tags: { from: ['vip'], to: [] }, requester: { from: contactId, to: null } }],
      ['status_changed', { status: { from: 'new', to: 'open' } }],
    ]);
    const empty = await api.call(agent, 'PATCH', `/v2/tickets/${made.id}`, {});
    expect([empty.status, empty.body.error]).toEqual([400, 'validation_failed']);
    const status = await api.call(agent, 'PATCH', `/v2/tickets/${made.id}`, { status: 'closed' });
    expect([status.status, status.body.details?.fields?.[0]?.field]).toEqual([400, 'status']);
  });

  it('deletes a ticket (admin only), with its messages and events', async () => {
    const made = await create({ subject: 'Delete me', message: 'bye' });
    expect((await api.call(agent, 'DELETE', `/v2/tickets/${made.id}`)).status).toBe(403);
    const res = await api.call(tenant.identity('admin'), 'DELETE', `/v2/tickets/${made.id}`);
    expect([res.status, res.body.data]).toEqual([200, { id: made.id, deleted: true }]);
    expect((await api.call(agent, 'GET', `/v2/tickets/${made.id}`)).status).toBe(404);
    expect(await api.runtime.db.knex('ticket_messages').where({ ticket_id: made.id }).first()).toBeUndefined();
    expect((await api.call(tenant.identity('admin'), 'DELETE', `/v2/tickets/${made.id}`)).status).toBe(404);
  });
});
