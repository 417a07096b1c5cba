import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Identity } from '../../src/contract/identity.js';
import { startTicketAutoClose } from '../../src/api/tickets/auto-close.js';
import { fixedClock } from '../../src/shared/clock.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// DESIGN.md "Tickets" (Zendesk's rules): the state machine, written out pair by pair, not derived
// from the code's table; solving needs an assignee; a requester's reply reopens; a reply to a
// closed ticket opens a follow-up; solved tickets close after TICKET_AUTO_CLOSE_DAYS.

type Outcome = 200 | 'assignee_required' | readonly string[];
const OK = 200;

/**
 * from → to → outcome: 200, 409 assignee_required, or 409 invalid_transition with exactly this
 * `details.allowed`. Every from-state but `new` has an assignee (a `new` ticket never has one:
 * assigning opens it).
 */
const TABLE: Record<string, Record<string, Outcome>> = {
  new: { new: OK, open: OK, pending: OK, on_hold: OK, solved: 'assignee_required', closed: ['open', 'pending', 'on_hold', 'solved'] },
  open: { new: ['pending', 'on_hold', 'solved'], open: OK, pending: OK, on_hold: OK, solved: OK, closed: ['pending', 'on_hold', 'solved'] },
  pending: { new: ['open', 'on_hold', 'solved'], open: OK, pending: OK, on_hold: OK, solved: OK, closed: ['open', 'on_hold', 'solved'] },
  on_hold: { new: ['open', 'pending', 'solved'], open: OK, pending: OK, on_hold: OK, solved: OK, closed: ['open', 'pending', 'solved'] },
  solved: { new: ['open', 'closed'], open: OK, pending: ['open', 'closed'], on_hold: ['open', 'closed'], solved: OK, closed: OK },
  closed: { new: [], open: [], pending: [], on_hold: [], solved: [], closed: OK },
};
/** How each from-state is reached from a ticket created with an assignee (`open`). */
const PATH: Record<string, string[]> = { new: [], open: [], pending: ['pending'], on_hold: ['on_hold'], solved: ['solved'], closed: ['solved', 'closed'] };

interface Ticket { id: string; status: string; number: number; follow_up_of: string | null; subject: string; solved_at: string | null; closed_at: string | null }

describe('ticket status', () => {
  const clock = fixedClock(Date.now());
  let api: ApiHarness;
  let tenant: Tenant;
  let agent: Identity;
  let contactId: string;

  beforeAll(async () => {
    api = await startApiHarness({ clock });
    tenant = await api.tenant();
    agent = tenant.identity('agent');
    contactId = ((await api.call(tenant.identity('admin'), 'POST', '/v2/contacts', { name: 'Req' })).body.data as { id: string }).id;
  });
  afterAll(() => api.close());

  async function ticketIn(status: string, extra: Record<string, unknown> = {}): Promise<Ticket> {
    const assigned = status === 'new' ? {} : { assignee_id: tenant.users.agent.id };
    const res = await api.call(agent, 'POST', '/v2/tickets', { subject: `In ${status}`, ...assigned, ...extra });
    expect(res.status).toBe(201);
    const made = res.body.data as Ticket;
    for (const step of PATH[status]!) expect((await api.call(agent, 'PUT', `/v2/tickets/${made.id}/status`, { status: step })).status).toBe(200);
    return made;
  }
  const statusOf = async (id: string) => ((await api.call(agent, 'GET', `/v2/tickets/${id}`)).body.data as Ticket).status;

  const pairs = Object.entries(TABLE).flatMap(([from, row]) => Object.entries(row).map(([to, outcome]) => [from, to, outcome] as const));
  it.each(pairs)('%s → %s', async (from, to, outcome) => {
    const made = await ticketIn(from);
    const method = to.length % 2 === 0 ? 'PUT' : 'PATCH'; // both verbs, spread over the table
    const res = await api.call(agent, method, `/v2/tickets/${made.id}/status`, { status: to });
    if (outcome === OK) {
      expect([res.status, (res.body.data as Ticket).status], JSON.stringify(res.body)).toEqual([200, to]);
    } else if (outcome === 'assignee_required') {
      expect([res.status, res.body.error]).toEqual([409, 'assignee_required']);
      expect(await statusOf(made.id)).toBe(from);
    } else {
      expect([res.status, res.body.error, res.body.details?.allowed]).toEqual([409, 'invalid_transition', outcome]);
      expect(res.body.message).toMatch(new RegExp(`^A ${from} ticket cannot become ${to}`));
      expect(await statusOf(made.id)).toBe(from);
    }
  });

  it('has written every pair of the six statuses', () => {
    expect(pairs).toHaveLength(36);
  });

  it('refuses to solve an open ticket nobody is assigned to, and to unassign a solved one', async () => {
    const made = await ticketIn('new');
    expect((await api.call(agent, 'PATCH', `/v2/tickets/${made.id}/status`, { status: 'open' })).status).toBe(200);
    const solve = await api.call(agent, 'PATCH', `/v2/tickets/${made.id}/status`, { status: 'solved' });
    expect([solve.status, solve.body.error, solve.body.message]).toEqual([409, 'assignee_required', 'A ticket needs an assignee to be solved: assign it first (PATCH assignee_id).']);
    const solved = await ticketIn('solved');
    const unassign = await api.call(agent, 'PATCH', `/v2/tickets/${solved.id}`, { assignee_id: null });
    expect([unassign.status, unassign.body.error]).toEqual([409, 'assignee_required']);
  });

  it('refuses a bad status, an unknown field and a closed ticket\'s edits', async () => {
    const made = await ticketIn('open');
    for (const body of [{ status: 'reopened' }, { status: 'OPEN' }, {}, { status: 'open', assignee_id: tenant.users.agent.id }]) {
      const res = await api.call(agent, 'PUT', `/v2/tickets/${made.id}/status`, body);
      expect([res.status, res.body.error], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    const closed = await ticketIn('closed');
    const edit = await api.call(agent, 'PATCH', `/v2/tickets/${closed.id}`, { subject: 'Changed' });
    expect([edit.status, edit.body.error]).toEqual([409, 'conflict']);
  });

  it('records a status_changed event row per move and stamps solved_at and closed_at', async () => {
    const made = await ticketIn('closed');
    const events = await api.call(agent, 'GET', `/v2/tickets/${made.id}/events`);
    expect((events.body.data as Array<{ type: string; changes: unknown; actor: unknown }>).map((e) => [e.type, e.changes])).toEqual([
      ['created', null],
      ['status_changed', { status: { from: 'open', to: 'solved' } }],
      ['status_changed', { status: { from: 'solved', to: 'closed' } }],
    ]);
    const row = (await api.call(agent, 'GET', `/v2/tickets/${made.id}`)).body.data as Ticket;
    expect([typeof row.solved_at, typeof row.closed_at]).toEqual(['string', 'string']);
    const outbox = await api.runtime.db.knex('outbox_events').where({ resource_id: made.id }).orderBy('position').select('type', 'changes');
    expect(outbox.map((event: { type: string }) => event.type)).toEqual(['ticket.created', 'ticket.status_changed', 'ticket.status_changed']);
    expect(outbox[2].changes).toEqual({ status: { from: 'solved', to: 'closed' } });
  });

  it.each(['pending', 'on_hold', 'solved'])('a requester\'s reply reopens a %s ticket; an agent\'s reply does not', async (status) => {
    const made = await ticketIn(status, { requester: contactId });
    const agentReply = await api.call(agent, 'POST', `/v2/tickets/${made.id}/messages`, { text: 'Any news?' });
    expect([agentReply.status, (agentReply.body.data as { ticket: Ticket }).ticket.status]).toEqual([201, status]);
    const reply = await api.call(agent, 'POST', `/v2/tickets/${made.id}/messages`, { text: 'Still broken', author: 'requester' });
    expect(reply.status).toBe(201);
    expect(reply.body.data).toMatchObject({ author: { type: 'contact', id: contactId }, public: true, follow_up: false, ticket: { id: made.id, status: 'open', solved_at: null } });
  });

  it('refuses a requester reply on a ticket without requester, and a requester note', async () => {
    const made = await ticketIn('pending');
    const none = await api.call(agent, 'POST', `/v2/tickets/${made.id}/messages`, { text: 'hi', author: 'requester' });
    expect([none.status, none.body.details?.fields?.[0]]).toEqual([400, { field: 'author', message: 'the ticket has no requester' }]);
    const note = await api.call(agent, 'POST', `/v2/tickets/${made.id}/messages`, { text: 'hi', author: 'requester', public: false });
    expect([note.status, note.body.details?.fields?.[0]?.field]).toEqual([400, 'public']);
  });

  it('keeps internal notes beside public replies, oldest first, with a message_added event row', async () => {
    const made = await ticketIn('open');
    await api.call(agent, 'POST', `/v2/tickets/${made.id}/messages`, { text: 'Public answer' });
    const note = await api.call(agent, 'POST', `/tickets/${made.id}/messages`, { text: 'Internal: customer is a VIP', public: false });
    expect(note.body.data).toMatchObject({ public: false, ticket: { status: 'open' } });
    const list = await api.call(agent, 'GET', `/v2/tickets/${made.id}/messages?limit=1`);
    expect((list.body.data as Array<{ text: string }>).map((m) => m.text)).toEqual(['Public answer']);
    const next = await api.call(agent, 'GET', `/v2/tickets/${made.id}/messages?limit=1&cursor=${list.body.next_cursor}`);
    expect((next.body.data as Array<{ text: string; public: boolean }>).map((m) => [m.text, m.public])).toEqual([['Internal: customer is a VIP', false]]);
    const events = await api.call(agent, 'GET', `/v2/tickets/${made.id}/events`);
    expect((events.body.data as Array<{ type: string }>).map((e) => e.type)).toEqual(['created', 'message_added', 'message_added']);
  });

  it('answers a reply to a closed ticket with a follow-up ticket linked to it', async () => {
    const closed = await ticketIn('closed', { requester: contactId, priority: 'high' });
    const res = await api.call(agent, 'POST', `/v2/tickets/${closed.id}/messages`, { text: 'It broke again', author: 'requester' });
    expect(res.status).toBe(201);
    const data = res.body.data as { follow_up: boolean; ticket: Ticket & Record<string, unknown>; ticket_id: string; text: string };
    expect(data.follow_up).toBe(true);
    expect(data.ticket).toMatchObject({ follow_up_of: closed.id, subject: closed.subject, priority: 'high', status: 'open', requester: { id: contactId } });
    expect(data.ticket.id).not.toBe(closed.id);
    expect(data.ticket_id).toBe(data.ticket.id);
    expect(await statusOf(closed.id)).toBe('closed');
    const followUp = await api.call(agent, 'GET', `/v2/tickets/${data.ticket.id}`);
    expect((followUp.body.data as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual(['It broke again']);
  });

  it('does not hand a follow-up to an assignee who has left the organization', async () => {
    const org = await api.tenant();
    const who = org.identity('agent');
    const made = (await api.call(who, 'POST', '/v2/tickets', { subject: 'Left', assignee_id: org.users.bot.id })).body.data as Ticket;
    for (const status of ['solved', 'closed']) expect((await api.call(who, 'PUT', `/v2/tickets/${made.id}/status`, { status })).status).toBe(200);
    expect((await api.call(org.identity('admin'), 'PATCH', `/v2/members/${org.users.bot.id}`, { status: 'disabled' })).status).toBe(200);
    const res = await api.call(who, 'POST', `/v2/tickets/${made.id}/messages`, { text: 'Again' });
    expect(res.body.data).toMatchObject({ follow_up: true, ticket: { follow_up_of: made.id, assignee_id: null, status: 'new' } });
  });

  it('closes solved tickets after TICKET_AUTO_CLOSE_DAYS (4) by the clock, as the system, once', async () => {
    const solved = await ticketIn('solved');
    const reopened = await ticketIn('solved');
    expect((await api.call(agent, 'PUT', `/v2/tickets/${reopened.id}/status`, { status: 'open' })).status).toBe(200);
    const sweeper = startTicketAutoClose({ knex: api.runtime.db.knex, clock, logger: api.runtime.logger, config: api.runtime.config });
    try {
      expect(api.runtime.config.TICKET_AUTO_CLOSE_DAYS).toBe(4);
      clock.advance(4 * 86_400_000 - 60_000);
      expect(await sweeper.sweep()).toBe(0);
      expect(await statusOf(solved.id)).toBe('solved');
      clock.advance(120_000);
      // Earlier tests left solved tickets too: every one is due now.
      const due = Number(((await api.runtime.db.knex('tickets').where({ status: 'solved' }).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
      expect(due).toBeGreaterThanOrEqual(1);
      // Two sweeps at once (two processes): each due ticket is closed exactly once.
      const [a, b] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
      expect(a + b).toBe(due);
      expect(await statusOf(solved.id)).toBe('closed');
      expect(await statusOf(reopened.id)).toBe('open');
      const events = (await api.call(agent, 'GET', `/v2/tickets/${solved.id}/events`)).body.data as Array<{ type: string; actor: unknown }>;
      expect(events.filter((e) => e.type === 'status_changed').at(-1)).toMatchObject({ actor: { type: 'system', id: 'ticket-auto-close' } });
      expect(events.filter((e) => e.type === 'status_changed')).toHaveLength(2);
      const audit = await api.runtime.db.knex('audit_events').where({ resource_id: solved.id, action: 'tickets.autoClose' });
      expect(audit.map((row: { actor_kind: string }) => row.actor_kind)).toEqual(['system']);
      expect(await sweeper.sweep()).toBe(0);
    } finally {
      await sweeper.stop();
    }
  });
});

describe('ticket auto-close in the API process', () => {
  it('runs on its own timer, closing by the runtime clock', async () => {
    const clock = fixedClock(Date.now());
    const api = await startApiHarness({ clock, config: { TICKET_AUTO_CLOSE_INTERVAL_MS: 20, TICKET_AUTO_CLOSE_DAYS: 1 } });
    try {
      const tenant = await api.tenant();
      const agent = tenant.identity('agent');
      const made = (await api.call(agent, 'POST', '/v2/tickets', { subject: 'Timer', assignee_id: tenant.users.agent.id })).body.data as Ticket;
      expect((await api.call(agent, 'PUT', `/v2/tickets/${made.id}/status`, { status: 'solved' })).status).toBe(200);
      clock.advance(86_400_000 + 60_000);
      // No sleep: the API's own step wakes every 20 ms; wait for its effect.
      await vi.waitFor(async () => {
        expect(((await api.call(agent, 'GET', `/v2/tickets/${made.id}`)).body.data as Ticket).status).toBe('closed');
      }, { timeout: 5_000, interval: 20 });
    } finally {
      await api.close();
    }
  });
});
