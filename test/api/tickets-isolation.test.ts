import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/contract/index.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// DESIGN.md "Resources": another organization's ticket is not_found on every ticket operation,
// over REST and RPC, and nothing it tries changes the ticket. test/api/tenant-isolation.test.ts
// covers fetch, update, delete and the list through its fixtures; this covers the rest.

const BODIES: Record<string, Record<string, unknown>> = {
  'tickets.update': { priority: 'low' },
  'tickets.setStatus': { status: 'pending' },
  'tickets.status': { status: 'pending' },
  'tickets.messages.create': { text: 'Injected reply' },
};

describe('ticket isolation', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let ticketId: string;

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Tickets A');
    b = await api.tenant('Tickets B');
    const res = await api.call(a.identity('agent'), 'POST', '/v2/tickets', { subject: 'Private', message: 'Secret', assignee_id: a.users.agent.id });
    ticketId = (res.body.data as { id: string }).id;
  });
  afterAll(() => api.close());

  const perTicket = operations.filter((operation) => operation.name.startsWith('tickets.') && operation.path.includes('{id}'));

  it('covers every ticket operation that names a ticket', () => {
    expect(perTicket.map((operation) => operation.name).sort()).toEqual([
      'tickets.delete', 'tickets.events.list', 'tickets.fetch', 'tickets.messages.create', 'tickets.messages.list', 'tickets.setStatus', 'tickets.status', 'tickets.update',
    ]);
  });

  it.each(perTicket.map((operation) => [operation.name, operation] as const))('%s: B gets 404 for A\'s ticket over REST and RPC', async (_name, operation) => {
    const intruder = b.identity('admin');
    const body = BODIES[operation.name];
    for (const prefix of ['/v2', '']) {
      const rest = await api.call(intruder, operation.method, `${prefix}${operation.path.replace('{id}', ticketId)}`, body);
      expect([rest.status, rest.body.error, rest.body.message], `${operation.name} ${prefix || '/'}`).toEqual([404, 'not_found', 'No such ticket.']);
    }
    const rpc = await api.call(intruder, 'POST', `/v1/${operation.name}`, { id: ticketId, ...body });
    expect([rpc.status, rpc.body.error], `${operation.name} RPC`).toEqual([404, 'not_found']);
  });

  it('leaves A\'s ticket as it was', async () => {
    const own = await api.call(a.identity('agent'), 'GET', `/v2/tickets/${ticketId}`);
    expect(own.body.data).toMatchObject({ id: ticketId, status: 'open', priority: 'normal', messages: [{ text: 'Secret' }] });
    expect((own.body.data as { messages: unknown[] }).messages).toHaveLength(1);
    const events = await api.call(a.identity('agent'), 'GET', `/v2/tickets/${ticketId}/events`);
    expect((events.body.data as Array<{ type: string }>).map((event) => event.type)).toEqual(['created', 'message_added']);
  });

  it('never shows A\'s tickets in B\'s list, whatever the filter', async () => {
    for (const query of ['', 'q=Private', `assignee_id=${a.users.agent.id}`, 'status=open']) {
      const res = await api.call(b.identity('admin'), 'GET', `/v2/tickets?${query}`);
      expect([res.status, res.body.data], query).toEqual([200, []]);
    }
  });

  it('refuses A\'s users, contacts and tags in B\'s tickets', async () => {
    const contact = (await api.call(a.identity('admin'), 'POST', '/v2/contacts', { name: 'A contact' })).body.data as { id: string };
    expect((await api.call(a.identity('admin'), 'POST', '/v2/tags', { name: 'a-only' })).status).toBe(201);
    const own = (await api.call(b.identity('agent'), 'POST', '/v2/tickets', { subject: 'B ticket' })).body.data as { id: string };
    for (const [body, field] of [
      [{ assignee_id: a.users.agent.id }, 'assignee_id'], [{ requester: contact.id }, 'requester'], [{ tags: ['a-only'] }, 'tags[0]'],
    ] as const) {
      const res = await api.call(b.identity('agent'), 'PATCH', `/v2/tickets/${own.id}`, body);
      expect([res.status, res.body.details?.fields?.[0]?.field], JSON.stringify(body)).toEqual([400, field]);
    }
  });
});
