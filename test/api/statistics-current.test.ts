import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/shared/clock.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { addVisitor } from './resources/chat-fixtures.js';
import { insertChat, insertGroup, insertTicket } from './statistics-fixtures.js';

// Live statistics at a fixed instant (Monday 2026-06-15 12:00 UTC), the agents' availability,
// and the refusals of both statistics operations.
//
//   L1 open, agent, Sales, 11:50: visitor 11:50 (waiting 600 s)
//   L2 open, unassigned, Sales, 11:58: visitor 11:58, agent 11:59
//   L3 pending, unassigned, Support, 06-14 20:00, no messages
//   L4 open, unassigned, no group, 11:59:30: visitor (waiting 30 s)
//   L5 closed 02:00-02:10: visitor 02:00, agent 02:01
//   L6 closed 06-14 23:00 - 06-15 00:00: visitor 06-14 23:00
//   tickets: created 06-15 03:00 solved 05:00; created 06-14 22:00

const NOW = Date.parse('2026-06-15T12:00:00Z');

describe('statistics: current', () => {
  const clock = fixedClock(NOW);
  let api: ApiHarness;
  let c: Tenant;
  let sales: string;
  let support: string;

  beforeAll(async () => {
    api = await startApiHarness({ clock });
    c = await api.tenant('Live C');
    const other = await api.tenant('Live D');
    const knex = api.runtime.db.knex;
    const org = c.organizationId;
    sales = await insertGroup(knex, org, 'Sales');
    support = await insertGroup(knex, org, 'Support');
    await knex('organization_group_members').insert({ group_id: sales, user_id: c.users.agent.id, organization_id: org });
    await insertChat(knex, org, { started: '2026-06-15T11:50:00Z', assignee: c.users.agent.id, group: sales, messages: [['visitor', 0]] });
    await insertChat(knex, org, { started: '2026-06-15T11:58:00Z', group: sales, messages: [['visitor', 0], ['agent', 60]] });
    await insertChat(knex, org, { started: '2026-06-14T20:00:00Z', group: support, status: 'pending' });
    await insertChat(knex, org, { started: '2026-06-15T11:59:30Z', messages: [['visitor', 0]] });
    await insertChat(knex, org, { started: '2026-06-15T02:00:00Z', messages: [['visitor', 0], ['agent', 60]], ended: 600 });
    await insertChat(knex, org, { started: '2026-06-14T23:00:00Z', messages: [['visitor', 0]], ended: 3600 });
    await insertTicket(knex, org, { created: '2026-06-15T03:00:00Z', solved: '2026-06-15T05:00:00Z' });
    await insertTicket(knex, org, { created: '2026-06-14T22:00:00Z' });
    // Another organization's visitor has waited an hour: never this organization's longest wait.
    await insertChat(knex, other.organizationId, { started: '2026-06-15T11:00:00Z', messages: [['visitor', 0]] });
  });
  afterAll(() => api.close());

  const current = async (query = '') => {
    const res = await api.call(c.identity('agent'), 'GET', `/v2/statistics/current${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as Record<string, unknown>;
  };

  it('availability: online and away, a heartbeat records no change', async () => {
    const set = (role: 'agent' | 'admin', availability: string) => api.call(c.identity(role), 'PATCH', '/v2/users/me/availability', { availability });
    const online = await set('agent', 'online');
    expect([online.status, online.body.data]).toMatchObject([200, { user_id: c.users.agent.id, availability: 'online', last_seen_at: '2026-06-15T12:00:00.000Z' }]);
    expect((await set('agent', 'online')).status).toBe(200);
    expect((await set('admin', 'away')).status).toBe(200);
    const audit = await api.runtime.db.knex('audit_events').where({ organization_id: c.organizationId, action: 'users.updateAvailability' }).select('resource_id');
    expect(audit.map((row: { resource_id: string }) => row.resource_id).sort()).toEqual([c.users.agent.id, c.users.admin.id].sort());
    const bad = await set('agent', 'busy');
    expect([bad.status, bad.body.error, bad.body.details?.fields?.[0]?.field]).toEqual([400, 'validation_failed', 'availability']);
  });

  it('live counts, today in UTC, per group and per agent', async () => {
    const data = await current();
    expect(data).toEqual({
      open: 3, pending: 1, unassigned: 3, waiting: 2, longest_wait_s: 600, agents_online: 1,
      today: { tz: 'UTC', since: '2026-06-15T00:00:00.000Z', chats_started: 4, chats_ended: 2, messages: 6, tickets_created: 1, tickets_solved: 1 },
      groups: [
        { id: sales, name: 'Sales', open: 2, pending: 0, unassigned: 1, waiting: 1, longest_wait_s: 600, agents_online: 1 },
        { id: support, name: 'Support', open: 0, pending: 1, unassigned: 1, waiting: 0, longest_wait_s: null, agents_online: 0 },
      ],
      agents: [
        { id: c.users.admin.id, name: 'admin user', availability: 'away', online: false, open: 0, pending: 0 },
        { id: c.users.agent.id, name: 'agent user', availability: 'online', online: true, open: 1, pending: 0 },
      ],
    });
  });

  it('"today" follows the requested time zone', async () => {
    expect((await current('?tz=America/New_York')).today).toEqual({
      tz: 'America/New_York', since: '2026-06-15T04:00:00.000Z', chats_started: 3, chats_ended: 0, messages: 4, tickets_created: 0, tickets_solved: 1,
    });
    expect((await current('?tz=Asia/Tokyo')).today).toEqual({
      tz: 'Asia/Tokyo', since: '2026-06-14T15:00:00.000Z', chats_started: 6, chats_ended: 2, messages: 7, tickets_created: 2, tickets_solved: 1,
    });
  });

  it('an agent not seen for more than five minutes is no longer online', async () => {
    clock.set(NOW + 5 * 60_000 + 1000);
    try {
      const data = await current();
      expect([data.agents_online, data.longest_wait_s]).toEqual([0, 901]);
    } finally {
      clock.set(NOW);
    }
  });
});

describe('statistics: refusals', () => {
  let api: ApiHarness;
  let t: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    t = await api.tenant('Refusals');
  });
  afterAll(() => api.close());

  const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
  const refusal = async (query: Record<string, string>) => {
    const res = await api.call(t.identity('agent'), 'GET', `/v2/statistics/chats?${new URLSearchParams(query)}`);
    return [res.status, res.body.error, res.body.details?.fields?.map((f) => f.field)];
  };

  it.each([
    ['an unknown time zone', { ...range, tz: 'Mars/Olympus_Mons' }, ['tz']],
    ['an abbreviation for a time zone', { ...range, tz: 'CET' }, ['tz']],
    ['from after to', { from: range.to, to: range.from }, ['to']],
    ['from equal to to', { from: range.from, to: range.from }, ['to']],
    ['more than 31 days by the hour', { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:01Z', interval: 'hour' }, ['to']],
    ['more than 366 days by the day', { from: '2025-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' }, ['to']],
    ['an unknown interval', { ...range, interval: 'year' }, ['interval']],
    ['no from', { to: range.to }, ['from']],
    ['a date without a time', { from: '2026-01-01', to: range.to }, ['from']],
    ['an agent id that is no UUID', { ...range, agent_id: 'x' }, ['agent_id']],
    ['an unknown filter', { ...range, department: 'x' }, ['department']],
  ])('%s → 400 naming the field', async (_name, query, fields) => {
    expect(await refusal(query)).toEqual([400, 'validation_failed', fields]);
  });

  it('31 days by the hour is the limit, not beyond it', async () => {
    const res = await api.call(t.identity('agent'), 'GET', `/v2/statistics/chats?${new URLSearchParams({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', interval: 'hour' })}`);
    expect([res.status, (res.body.data as { series: unknown[] }).series.length]).toEqual([200, 744]);
  });

  it('current refuses an unknown time zone', async () => {
    const res = await api.call(t.identity('agent'), 'GET', '/v2/statistics/current?tz=Nowhere/Land');
    expect([res.status, res.body.error, res.body.details?.fields?.[0]?.field]).toEqual([400, 'validation_failed', 'tz']);
  });

  it('below agent, a visitor and a guest-scoped API key are refused (403)', async () => {
    const { identity: visitor } = await addVisitor(api, t);
    for (const identity of [t.identity('guest'), visitor, t.identity('guest', { kind: 'api_key' })]) {
      for (const path of [`/v2/statistics/chats?${new URLSearchParams(range)}`, '/v2/statistics/current', '/statistics/current']) {
        const res = await api.call(identity, 'GET', path);
        expect([res.status, res.body.error], `${identity.kind} ${path}`).toEqual([403, 'insufficient_scope']);
      }
      const patch = await api.call(identity, 'PATCH', '/v2/users/me/availability', { availability: 'online' });
      expect([patch.status, patch.body.error]).toEqual([403, 'insufficient_scope']);
    }
    expect((await api.call(t.identity('agent', { kind: 'api_key' }), 'GET', '/v2/statistics/current')).status).toBe(200);
  });
});
