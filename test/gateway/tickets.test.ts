import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMembership, insertUser } from '../../src/db/accounts.js';
import { hashPassword } from '../../src/shared/password.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call, insertOrganizationWithWidget, memberKey } from './visitor-fixtures.js';

// Issue 12's "done when" through the real gateway: an agent with a seed-001 time-based token
// (`POST /v2/auth/token`) works a ticket from creation to closed over seed 002's literal paths,
// with and without the `/v2` prefix and over RPC; an admin's API key deletes it.

interface Ticket { id: string; number: number; status: string }

describe('tickets through the gateway', () => {
  let gatehouse: TestGatehouse;
  let agent: string;
  let agentId: string;
  let admin: string;
  let guest: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const knex = gatehouse.runtime.db.knex;
    const { organizationId } = await insertOrganizationWithWidget(knex, ['https://shop.example.com']);
    const email = `agent-${randomUUID().slice(0, 8)}@example.test`;
    const user = await insertUser(knex, { email, name: 'Agent Smith', passwordHash: await hashPassword('a long agent password') });
    await insertMembership(knex, { userId: user.id, organizationId, role: 'agent' });
    agentId = user.id;
    const token = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email, password: 'a long agent password' } });
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(token.body.scope).toBe('agent');
    agent = `Bearer ${String(token.body.token)}`;
    const hash = gatehouse.runtime.secrets.derive('api-key-hash');
    admin = await memberKey(knex, hash, organizationId, 'admin');
    guest = await memberKey(knex, hash, organizationId, 'guest');
  });
  afterAll(() => gatehouse?.stop());

  const as = (authorization: string, method: string, path: string, body?: unknown) =>
    call(gatehouse.url, method, path, { headers: { authorization }, ...(body !== undefined ? { body } : {}) });

  it.each(['/v2', ''])('works a ticket from creation to closed at %s/tickets…', async (prefix) => {
    const created = await as(agent, 'POST', `${prefix}/tickets`, { subject: 'Cannot log in', message: 'Password reset mail never arrives', priority: 'high' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ticket = created.body.data as unknown as Ticket;
    expect(ticket.status).toBe('new');
    expect(ticket.number).toBeGreaterThan(0);
    const base = `${prefix}/tickets/${ticket.id}`;

    const listed = await as(agent, 'GET', `${prefix}/tickets?status=new&q=log%20in`);
    expect([listed.status, (listed.body.data as unknown as Ticket[]).map((t) => t.id)]).toEqual([200, [ticket.id]]);
    expect((await as(agent, 'GET', base)).status).toBe(200);
    expect((await as(agent, 'PATCH', base, { assignee_id: agentId })).body.data).toMatchObject({ status: 'open', assignee_id: agentId });
    expect((await as(agent, 'POST', `${base}/messages`, { text: 'Sent you a new link', public: true })).status).toBe(201);
    expect((await as(agent, 'PUT', `${base}/status`, { status: 'pending' })).body.data).toMatchObject({ status: 'pending' });
    const refused = await as(agent, 'PATCH', `${base}/status`, { status: 'new' });
    expect([refused.status, refused.body.error, (refused.body.details as { allowed: string[] }).allowed]).toEqual([409, 'invalid_transition', ['open', 'on_hold', 'solved']]);
    expect((await as(agent, 'PATCH', `${base}/status`, { status: 'solved' })).body.data).toMatchObject({ status: 'solved' });
    expect((await as(agent, 'PATCH', `${base}/status`, { status: 'closed' })).body.data).toMatchObject({ status: 'closed' });
    expect((await as(agent, 'GET', `${base}/messages`)).body.data).toHaveLength(2);
    const events = await as(agent, 'GET', `${base}/events`);
    expect((events.body.data as unknown as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'created', 'message_added', 'updated', 'status_changed', 'message_added', 'status_changed', 'status_changed', 'status_changed',
    ]);

    expect((await as(agent, 'DELETE', base)).status).toBe(403);
    expect((await as(admin, 'DELETE', base)).body.data).toEqual({ id: ticket.id, deleted: true });
    expect((await as(agent, 'GET', base)).status).toBe(404);
  });

  it('serves the same operations over RPC', async () => {
    const created = await as(agent, 'POST', '/v1/tickets.create', { subject: 'Over RPC' });
    expect(created.status).toBe(201);
    const { id } = created.body.data as unknown as Ticket;
    expect((await as(agent, 'POST', '/v1/tickets.fetch', { id })).body.data).toMatchObject({ id, subject: 'Over RPC' });
    expect((await as(agent, 'POST', '/v1/tickets.status', { id, status: 'open' })).body.data).toMatchObject({ status: 'open' });
    expect((await as(agent, 'POST', '/v1/tickets.messages.create', { id, text: 'Hello', public: false })).status).toBe(201);
    expect((await as(agent, 'POST', '/v1/tickets.list', { status: 'open', limit: 5 })).body.data).toHaveLength(1);
  });

  it('refuses a guest key, no credentials, and path variants', async () => {
    const denied = await as(guest, 'GET', '/v2/tickets');
    expect([denied.status, denied.body.error]).toEqual([403, 'insufficient_scope']);
    expect((await call(gatehouse.url, 'GET', '/v2/tickets')).status).toBe(401);
    for (const path of ['/v2/TICKETS', '/V2/tickets', '/v2/tickets/%00', `/v2/tickets/${randomUUID()}/STATUS`]) {
      const res = await as(agent, 'GET', path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body.ok, path).toBe(false);
    }
  });
});
