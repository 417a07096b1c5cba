import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { publicToken } from '../gateway/visitor-fixtures.js';

// Issue 12: the ticket list's filters (seed 000 "a filtered list of tickets") and its cursor,
// which neither repeats nor skips a ticket while others are added; tickets made from a
// conversation.

interface Ticket { id: string; subject: string; number: number; status: string; requester: Record<string, unknown> | null; source_conversation_token: string | null; messages?: Array<{ text: string; author: { type: string; id: string | null } }> }

describe('ticket list', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let agent: Identity;
  const ids: Record<string, string> = {};
  let visitor: { id: string; token: string };
  let contactId: string;
  let groupId: string;

  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
    agent = tenant.identity('agent');
    const admin = tenant.identity('admin');
    const knex = api.runtime.db.knex;
    groupId = ((await api.call(admin, 'POST', '/v2/organization-groups', { name: 'Tier 2' })).body.data as { id: string }).id;
    contactId = ((await api.call(admin, 'POST', '/v2/contacts', { name: 'Bob' })).body.data as { id: string }).id;
    await api.call(admin, 'POST', '/v2/tags', { name: 'refund' });
    const token = publicToken('vis');
    const [row] = await knex('visitors').insert({ organization_id: tenant.organizationId, token, secret_hash: randomUUID(), name: 'Vera Visitor' }).returning('id');
    visitor = { id: (row as { id: string }).id, token };

    const make = async (key: string, body: Record<string, unknown>) => {
      const res = await api.call(agent, 'POST', '/v2/tickets', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids[key] = (res.body.data as Ticket).id;
    };
    await make('percent', { subject: '100% broken_printer', priority: 'urgent' });
    await make('plain', { subject: '100 broken printers', requester: contactId, group_id: groupId });
    await make('visitor', { subject: 'Where is MY parcel?', requester: token, tags: ['refund'], assignee_id: tenant.users.agent.id });
    await make('backslash', { subject: 'path C:\\temp fails', priority: 'low' });
    await api.call(agent, 'PUT', `/v2/tickets/${ids.visitor}/status`, { status: 'pending' });
    await api.call(agent, 'PUT', `/v2/tickets/${ids.backslash}/status`, { status: 'on_hold' });
  });
  afterAll(() => api.close());

  const list = async (query: string): Promise<string[]> => {
    const res = await api.call(agent, 'GET', `/v2/tickets?${query}`);
    expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
    return (res.body.data as Ticket[]).map((ticket) => Object.keys(ids).find((key) => ids[key] === ticket.id) ?? ticket.id);
  };

  it('filters by each field, newest first', async () => {
    expect(await list('')).toEqual(['backslash', 'visitor', 'plain', 'percent']);
    expect(await list('status=new')).toEqual(['plain', 'percent']);
    expect(await list('status=pending,on_hold')).toEqual(['backslash', 'visitor']);
    expect(await list('status=pending&status=new')).toEqual(['visitor', 'plain', 'percent']);
    expect(await list('priority=urgent')).toEqual(['percent']);
    expect(await list(`assignee_id=${tenant.users.agent.id}`)).toEqual(['visitor']);
    expect(await list('assignee_id=none')).toEqual(['backslash', 'plain', 'percent']);
    expect(await list(`requester=${contactId}`)).toEqual(['plain']);
    expect(await list(`requester=${visitor.token}`)).toEqual(['visitor']);
    expect(await list(`group_id=${groupId}`)).toEqual(['plain']);
    expect(await list('tag=refund')).toEqual(['visitor']);
    expect(await list('tag=refund&status=new')).toEqual([]);
  });

  it('searches the subject in any case, taking %, _ and \\ literally', async () => {
    expect(await list('q=my%20PARCEL')).toEqual(['visitor']);
    expect(await list(`q=${encodeURIComponent('100%')}`)).toEqual(['percent']);
    expect(await list(`q=${encodeURIComponent('n_p')}`)).toEqual(['percent']);
    expect(await list(`q=${encodeURIComponent('C:\\t')}`)).toEqual(['backslash']);
    expect(await list('q=printer')).toEqual(['plain', 'percent']);
  });

  it('filters by creation and update ranges', async () => {
    const created = await api.runtime.db.knex('tickets').where({ id: ids.plain }).first('created_at', 'updated_at');
    const at = (created.created_at as Date).toISOString();
    expect(await list(`created_after=${at}&status=new`)).toEqual(['plain']);
    expect(await list(`created_before=${at}`)).toEqual(['percent']);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await list(`updated_after=${future}`)).toEqual([]);
    expect(await list(`updated_before=${future}&priority=low`)).toEqual(['backslash']);
  });

  it('refuses bad filters with a 400 naming them', async () => {
    for (const [query, field] of [
      ['status=reopened', 'status[0]'], ['status=open,bogus', 'status[1]'], ['priority=high%00', 'priority'], ['assignee_id=me', 'assignee_id'],
      ['requester=bob', 'requester'], ['created_after=yesterday', 'created_after'], ['q=', 'q'], [`q=${'x'.repeat(201)}`, 'q'],
      ['cursor=not-a-cursor', 'cursor'], ['limit=1000', 'limit'], ['sort=asc', 'sort'],
    ] as const) {
      const res = await api.call(agent, 'GET', `/v2/tickets?${query}`);
      expect([res.status, res.body.error], query).toEqual([400, 'validation_failed']);
      expect(res.body.details?.fields?.map((f) => f.field), query).toContain(field);
    }
  });

  it('pages with a cursor that neither repeats nor skips while tickets are added', async () => {
    const org = await api.tenant();
    const who = org.identity('agent');
    const before: string[] = [];
    for (let i = 0; i < 7; i++) before.push(((await api.call(who, 'POST', '/v2/tickets', { subject: `Old ${i}` })).body.data as Ticket).id);
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let added = 0;
    do {
      const res = await api.call(who, 'GET', `/v2/tickets?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(res.body.data as Ticket[]).map((t) => t.id));
      cursor = res.body.next_cursor;
      // Others write between the pages: new tickets, and an update that moves updated_at.
      await Promise.all([0, 1].map((i) => api.call(who, 'POST', '/v2/tickets', { subject: `New ${added}-${i}` })));
      await api.call(who, 'PATCH', `/v2/tickets/${before[0]}`, { priority: 'high' });
      added++;
    } while (cursor);
    expect(seen).toEqual([...before].reverse());
  });

  it('makes a ticket from a conversation: subject, first message and requester from it unless given', async () => {
    const asVisitor = tenant.identity('guest', { kind: 'visitor', sub: visitor.id });
    const started = await api.call(asVisitor, 'POST', '/v2/conversations', { message: { content: { type: 'text', text: 'My order 1042 never arrived and support is silent' } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const token = (started.body.data as { token: string }).token;
    const res = await api.call(agent, 'POST', '/v2/tickets', { conversation_token: token });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const made = res.body.data as Ticket;
    expect(made).toMatchObject({ subject: 'My order 1042 never arrived and support is silent', source_conversation_token: token, status: 'new' });
    expect(made.requester).toEqual({ type: 'visitor', token: visitor.token, name: 'Vera Visitor', email: null });
    expect(made.messages).toEqual([expect.objectContaining({ text: 'My order 1042 never arrived and support is silent', author: { type: 'visitor', id: visitor.id } })]);

    const given = await api.call(agent, 'POST', '/v2/tickets', { conversation_token: token, subject: 'Lost parcel', message: 'Escalated from chat', requester: contactId });
    expect(given.body.data).toMatchObject({ subject: 'Lost parcel', requester: { type: 'contact', id: contactId }, messages: [{ text: 'Escalated from chat', author: { type: 'user' } }] });

    const other = await api.tenant();
    const foreign = await api.call(other.identity('agent'), 'POST', '/v2/tickets', { conversation_token: token });
    expect([foreign.status, foreign.body.details?.fields?.[0]]).toEqual([400, { field: 'conversation_token', message: 'no such conversation' }]);
  });
});
