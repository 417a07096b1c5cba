import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { insertChat, insertGroup, insertTicket, insertWidget } from './statistics-fixtures.js';

// Historical chat statistics against numbers worked out by hand from the fixtures below (the
// comments show the arithmetic). Period P = [2026-03-02, 2026-03-05) UTC; its previous period is
// [2026-02-27, 2026-03-02).
//
//   C1 03-02 10:00 agent X, group G1, widget W1, tag billing: visitor 0, agent 30, visitor 60, visitor 90, agent 150; ended 600; ratings 5
//   C2 03-02 23:30 agent Y, group G2: visitor 0, bot 10, visitor 20, agent 80; ended 1200; ratings 3 then 4 (4 counts)
//   C3 03-03 12:00 no agent, widget W1: visitor 0; ended 300 without a response (missed)
//   C4 03-04 09:00 agent X: visitor 0, agent 45; still open
//   C5 02-28 08:00 agent X: visitor 0, agent 20; ended 100; ratings 2 (previous period)
//   C6 03-05 00:00 agent X (just outside: `to` is exclusive)
//   T1 created 03-02 11:00 agent X, tag billing, solved 03-03 10:00; T2 created 03-03 15:00 from C3; T3 created 02-28 agent X, solved 03-04 12:00

const P = { from: '2026-03-02T00:00:00Z', to: '2026-03-05T00:00:00Z' };
const none = { count: 0, avg: null, median: null, p90: null };

describe('statistics: chats', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let ids: Record<'x' | 'y' | 'g1' | 'g2' | 'w1', string>;

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Stats A');
    b = await api.tenant('Stats B');
    const knex = api.runtime.db.knex;
    const org = a.organizationId;
    ids = { x: a.users.agent.id, y: a.users.admin.id, g1: await insertGroup(knex, org, 'Sales'), g2: await insertGroup(knex, org, 'Support'), w1: await insertWidget(knex, org) };
    const c1 = await insertChat(knex, org, { started: '2026-03-02T10:00:00Z', assignee: ids.x, group: ids.g1, widget: ids.w1, tags: ['billing'],
      messages: [['visitor', 0], ['agent', 30], ['visitor', 60], ['visitor', 90], ['system', 100], ['agent', 150]], ended: 600, ratings: [5] });
    await insertChat(knex, org, { started: '2026-03-02T23:30:00Z', assignee: ids.y, group: ids.g2,
      messages: [['visitor', 0], ['bot', 10], ['visitor', 20], ['agent', 80]], ended: 1200, ratings: [3, 4] });
    const c3 = await insertChat(knex, org, { started: '2026-03-03T12:00:00Z', widget: ids.w1, messages: [['visitor', 0]], ended: 300 });
    await insertChat(knex, org, { started: '2026-03-04T09:00:00Z', assignee: ids.x, messages: [['visitor', 0], ['agent', 45]] });
    await insertChat(knex, org, { started: '2026-02-28T08:00:00Z', assignee: ids.x, messages: [['visitor', 0], ['agent', 20]], ended: 100, ratings: [2] });
    await insertChat(knex, org, { started: '2026-03-05T00:00:00Z', assignee: ids.x, messages: [['visitor', 0], ['agent', 1]] });
    await insertTicket(knex, org, { created: '2026-03-02T11:00:00Z', solved: '2026-03-03T10:00:00Z', assignee: ids.x, tags: ['billing'], sourceConversation: c1 });
    await insertTicket(knex, org, { created: '2026-03-03T15:00:00Z', sourceConversation: c3 });
    await insertTicket(knex, org, { created: '2026-02-28T09:00:00Z', solved: '2026-03-04T12:00:00Z', assignee: ids.x });
    // Another organization's history in the same period is never counted.
    await insertChat(knex, b.organizationId, { started: '2026-03-02T10:00:00Z', assignee: b.users.agent.id, messages: [['visitor', 0], ['agent', 5]], ended: 50, ratings: [1] });
    await insertTicket(knex, b.organizationId, { created: '2026-03-02T11:00:00Z', solved: '2026-03-02T12:00:00Z' });
  });
  afterAll(() => api.close());

  const stats = async (query: Record<string, string>, tenant: Tenant = a, role: 'agent' | 'admin' = 'agent') => {
    const res = await api.call(tenant.identity(role), 'GET', `/v2/statistics/chats?${new URLSearchParams(query)}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON answer read field by field
  };

  it('totals, exact medians and p90 over the period, by day in UTC', async () => {
    const data = await stats({ ...P, interval: 'day' });
    expect(data.totals).toEqual({
      chats: 4, ended: 3, missed: 1, resolutions: 3,
      // 30, 10, 45: median 30; p90 at rank 1.8 → 30 + 0.8 × 15 = 42
      first_response_time: { count: 3, avg: 28.333, median: 30, p90: 42 },
      // C1 30 and 90 (from the first of two unanswered messages; the system message is no answer), C2 10 and 60, C4 45
      reply_time: { count: 5, avg: 47, median: 45, p90: 78 },
      duration: { count: 3, avg: 700, median: 600, p90: 1080 },
      ratings: { count: 2, average: 4.5, response_rate: 0.6667 },
      tickets_created: 2, tickets_solved: 2,
    });
    expect(data.series.map((row: { start: string; end: string; chats: number; tickets_created: number }) => [row.start, row.end, row.chats, row.tickets_created])).toEqual([
      ['2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z', 2, 1],
      ['2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z', 1, 1],
      ['2026-03-04T00:00:00.000Z', '2026-03-05T00:00:00.000Z', 1, 0],
    ]);
    expect(data.series[0].reply_time).toEqual({ count: 4, avg: 47.5, median: 45, p90: 81 });
    expect(data.previous).toEqual({
      from: '2026-02-27T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z',
      chats: 1, ended: 1, missed: 0, resolutions: 1,
      first_response_time: { count: 1, avg: 20, median: 20, p90: 20 }, reply_time: { count: 1, avg: 20, median: 20, p90: 20 },
      duration: { count: 1, avg: 100, median: 100, p90: 100 }, ratings: { count: 1, average: 2, response_rate: 1 },
      tickets_created: 1, tickets_solved: 0,
    });
    expect([data.from, data.to, data.tz, data.interval]).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-05T00:00:00.000Z', 'UTC', 'day']);
  });

  it('in Europe/Berlin a chat at 23:30 UTC counts on the next day, and days begin at local midnight', async () => {
    const data = await stats({ ...P, tz: 'Europe/Berlin', interval: 'day' });
    expect(data.series.map((row: { start: string; chats: number }) => [row.start, row.chats])).toEqual([
      ['2026-03-01T23:00:00.000Z', 1], ['2026-03-02T23:00:00.000Z', 2], ['2026-03-03T23:00:00.000Z', 1], ['2026-03-04T23:00:00.000Z', 0],
    ]);
    expect(data.totals.chats).toBe(4);
  });

  it('filters by agent, tag, group and widget, with the previous period filtered alike', async () => {
    const byAgent = await stats({ ...P, agent_id: ids.x });
    expect(byAgent.totals).toMatchObject({
      chats: 2, ended: 1, missed: 0, first_response_time: { count: 2, avg: 37.5, median: 37.5, p90: 43.5 },
      reply_time: { count: 3, avg: 55, median: 45, p90: 81 }, ratings: { count: 1, average: 5, response_rate: 1 }, tickets_created: 1, tickets_solved: 2,
    });
    expect(byAgent.previous).toMatchObject({ chats: 1, tickets_created: 1, tickets_solved: 0 });
    expect((await stats({ ...P, tag: 'billing' })).totals).toMatchObject({ chats: 1, reply_time: { count: 2, avg: 60 }, tickets_created: 1, tickets_solved: 1 });
    expect((await stats({ ...P, group_id: ids.g2 })).totals).toMatchObject({ chats: 1, duration: { count: 1, avg: 1200 }, ratings: { count: 1, average: 4 }, tickets_created: 0 });
    expect((await stats({ ...P, widget_id: ids.w1 })).totals).toMatchObject({ chats: 2, missed: 1, ended: 2, tickets_created: 2, tickets_solved: 1 });
    expect((await stats({ ...P, tag: 'unknown' })).totals).toMatchObject({ chats: 0, tickets_created: 0 });
  });

  it('an empty period: zeros, nulls and one empty row per bucket', async () => {
    const data = await stats({ from: '2025-01-01T00:00:00Z', to: '2025-01-03T00:00:00Z' });
    const empty = {
      chats: 0, ended: 0, missed: 0, resolutions: 0, first_response_time: none, reply_time: none, duration: none,
      ratings: { count: 0, average: null, response_rate: null }, tickets_created: 0, tickets_solved: 0,
    };
    expect(data.totals).toEqual(empty);
    expect(data.series).toEqual([
      { start: '2025-01-01T00:00:00.000Z', end: '2025-01-02T00:00:00.000Z', ...empty },
      { start: '2025-01-02T00:00:00.000Z', end: '2025-01-03T00:00:00.000Z', ...empty },
    ]);
  });

  it('across the DST change in Europe/Berlin: a 23-hour day, and hours that stay 3,600 s apart', async () => {
    const knex = api.runtime.db.knex;
    const org = (await api.tenant('Stats DST'));
    await insertChat(knex, org.organizationId, { started: '2026-03-28T23:30:00Z' }); // 03-29 00:30 CET
    await insertChat(knex, org.organizationId, { started: '2026-03-29T01:30:00Z' }); // 03-29 03:30 CEST
    await insertChat(knex, org.organizationId, { started: '2026-03-29T22:30:00Z' }); // 03-30 00:30 CEST
    const days = await stats({ from: '2026-03-28T00:00:00+01:00', to: '2026-03-31T00:00:00+02:00', tz: 'Europe/Berlin' }, org);
    expect(days.series.map((row: { start: string; end: string; chats: number }) => [row.start, row.end, row.chats])).toEqual([
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', 0],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 2],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z', 1],
    ]);
    const hours = await stats({ from: '2026-03-29T00:00:00Z', to: '2026-03-29T03:00:00Z', tz: 'Europe/Berlin', interval: 'hour' }, org);
    expect(hours.series.map((row: { start: string; chats: number }) => [row.start, row.chats])).toEqual([
      ['2026-03-29T00:00:00.000Z', 0], ['2026-03-29T01:00:00.000Z', 1], ['2026-03-29T02:00:00.000Z', 0],
    ]);
    const week = await stats({ from: '2026-03-25T00:00:00Z', to: '2026-04-02T00:00:00Z', tz: 'Europe/Berlin', interval: 'week' }, org);
    expect(week.series.map((row: { start: string; chats: number }) => [row.start, row.chats])).toEqual([
      ['2026-03-22T23:00:00.000Z', 2], ['2026-03-29T22:00:00.000Z', 1],
    ]);
  });

  it('another organization sees only its own history, even with this one\'s ids', async () => {
    const own = await stats(P, b);
    expect(own.totals).toMatchObject({ chats: 1, ended: 1, ratings: { count: 1, average: 1 }, tickets_created: 1, tickets_solved: 1 });
    const probing = await stats({ ...P, agent_id: ids.x, group_id: ids.g1 }, b);
    expect(probing.totals).toMatchObject({ chats: 0, tickets_created: 0, tickets_solved: 0 });
  });

  it('the un-versioned path and RPC give the same answer', async () => {
    const rest = await api.call(a.identity('agent'), 'GET', `/statistics/chats?${new URLSearchParams(P)}`);
    const rpc = await api.call(a.identity('agent'), 'POST', '/v1/statistics.chats', P);
    expect(rest.status).toBe(200);
    expect(rpc.body.data).toEqual(rest.body.data);
  });
});
