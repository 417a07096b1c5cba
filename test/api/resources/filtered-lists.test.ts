import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { ok, refused } from './chat-fixtures.js';

// Seed 000 "a filtered list of … property members", "list knowledge-base articles and categories
// for a property" (issue 12): each filter alone and combined, with literal expectations; keyset
// pages that neither repeat nor skip while rows are added; another organization sees nothing.

describe('filtered lists: members, knowledge-base articles and categories', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let admin: Identity;
  const run = randomUUID().slice(0, 6);
  const people: Record<string, string> = {};
  let billing: string;
  let categories: Record<'billing' | 'shipping', string>;

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Lists A');
    b = await api.tenant('Lists B');
    admin = a.identity('admin');
    billing = String(ok(await api.call(admin, 'POST', '/v2/organization-groups', { name: 'Billing' }), 201).id);
    const members: [string, string, string][] = [
      ['Ada Lovelace', `ada.${run}@analytical.example`, 'agent'],
      ['Grace Hopper', `grace.${run}@navy.example`, 'agent'],
      ['Alan Turing', `alan.${run}@bletchley.example`, 'bot'],
      ['Edsger 100%_Dijkstra', `edsger.${run}@eindhoven.example`, 'guest'],
    ];
    for (const [name, email, role] of members) people[name.split(' ')[0]!] = String(ok(await api.call(admin, 'POST', '/v2/users', { name, email, role }), 201).id);
    ok(await api.call(admin, 'PATCH', `/v2/members/${people.Ada!}`, { group_ids: [billing] }));
    ok(await api.call(admin, 'PATCH', `/v2/members/${people.Alan!}`, { group_ids: [billing] }));
    ok(await api.call(admin, 'PATCH', `/v2/members/${people.Grace!}`, { status: 'disabled' }));
    const category = async (name: string, description: string) => String(ok(await api.call(admin, 'POST', '/v2/knowledge-categories', { name, description }), 201).id);
    categories = { billing: await category('Billing', 'Invoices, refunds and cards'), shipping: await category('Shipping', 'Parcels and returns') };
    const articles: [string, string, string, 'draft' | 'published'][] = [
      ['Refunds', 'Money back within 14 days.', categories.billing, 'published'],
      ['Card declined', 'Check the 3-D Secure step.', categories.billing, 'draft'],
      ['Returns', 'Print the label; refunds follow.', categories.shipping, 'published'],
      ['Tracking', 'Every parcel has a number.', categories.shipping, 'draft'],
    ];
    for (const [title, body, category_id, status] of articles) ok(await api.call(admin, 'POST', '/v2/knowledge-items', { title, body, category_id, status }), 201);
  });
  afterAll(() => api.close());

  const names = async (as: Identity, path: string, field: string) => {
    const rows = ok(await api.call(as, 'GET', path)) as unknown as Record<string, string>[];
    return rows.map((row) => row[field]);
  };
  /** The members of A the test made (the tenant's own four users are left out), by first name. */
  const members = async (query: string, as: Identity = a.identity('bot')) =>
    (await names(as, `/v2/members?limit=100&${query}`, 'name')).filter((name) => !name!.endsWith(' user')).map((name) => name!.split(' ')[0]);

  it('members: by role, status, group and a search in names and emails, alone and combined', async () => {
    const cases: [string, string[]][] = [
      ['', ['Ada', 'Grace', 'Alan', 'Edsger']],
      ['role=agent', ['Ada', 'Grace']],
      ['status=disabled', ['Grace']],
      ['status=active&role=agent', ['Ada']],
      [`group_id=${billing}`, ['Ada', 'Alan']],
      [`group_id=${billing}&role=bot`, ['Alan']],
      ['q=a', ['Ada', 'Grace', 'Alan', 'Edsger']],
      ['q=LOVELACE', ['Ada']],
      ['q=navy.example', ['Grace']],
      [`q=${encodeURIComponent(`alan.${run}@`)}`, ['Alan']],
      ['q=100%25_', ['Edsger']],
      ['q=%25', ['Edsger']],
      ['q=_', ['Edsger']],
      ['q=nobody', []],
      [`q=a&group_id=${billing}&status=active`, ['Ada', 'Alan']],
    ];
    for (const [query, expected] of cases) expect(await members(query), query).toEqual(expected);
  });

  it('articles: by status, category and a search in titles and bodies; categories by a search in names and descriptions', async () => {
    const titles = (query: string) => names(a.identity('agent'), `/v2/knowledge-items?${query}`, 'title');
    const cases: [string, string[]][] = [
      ['', ['Refunds', 'Card declined', 'Returns', 'Tracking']],
      ['status=published', ['Refunds', 'Returns']],
      [`category_id=${categories.billing}`, ['Refunds', 'Card declined']],
      [`category_id=${categories.shipping}&status=draft`, ['Tracking']],
      ['q=refund', ['Refunds', 'Returns']],
      ['q=3-D%20secure', ['Card declined']],
      [`q=refund&category_id=${categories.shipping}`, ['Returns']],
      ['q=refund&status=draft', []],
    ];
    for (const [query, expected] of cases) expect(await titles(query), query).toEqual(expected);
    const categoryNames = (query: string) => names(a.identity('agent'), `/v2/knowledge-categories?${query}`, 'name');
    expect(await categoryNames('')).toEqual(['Billing', 'Shipping']);
    expect(await categoryNames('q=ship')).toEqual(['Shipping']);
    expect(await categoryNames('q=REFUNDS')).toEqual(['Billing']);
    expect(await categoryNames('q=returns')).toEqual(['Shipping']);
    expect(await categoryNames('q=%25')).toEqual([]);
    // RPC filters the same way.
    const rpc = ok(await api.call(a.identity('agent'), 'POST', '/v1/knowledgeItems.list', { q: 'refund', status: 'published' })) as unknown as { title: string }[];
    expect(rpc.map((row) => row.title)).toEqual(['Refunds', 'Returns']);
  });

  it('pages with a stable cursor: rows added meanwhile never make a page repeat or skip one', async () => {
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let added = 0;
    do {
      const res = await api.call(a.identity('agent'), 'GET', `/v2/knowledge-items?limit=2&q=e${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as { title: string }[]).map((row) => row.title));
      cursor = res.body.next_cursor;
      // A writer adds a matching article between pages.
      if (added < 2) ok(await api.call(admin, 'POST', '/v2/knowledge-items', { title: `Added ${++added}`, body: 'new' }), 201);
    } while (cursor);
    expect(seen).toEqual(['Refunds', 'Card declined', 'Returns', 'Tracking', 'Added 1', 'Added 2']);

    const memberPages: string[] = [];
    cursor = undefined;
    do {
      const res = await api.call(a.identity('bot'), 'GET', `/v2/members?limit=3&q=${run}${cursor ? `&cursor=${cursor}` : ''}`);
      memberPages.push(...(res.body.data as { name: string }[]).map((row) => row.name.split(' ')[0]!));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(memberPages).toEqual(['Ada', 'Grace', 'Alan', 'Edsger']);
  });

  it("another organization's filters never reach A's rows", async () => {
    const intruder = b.identity('admin');
    expect(await names(intruder, `/v2/members?q=${run}`, 'name')).toEqual([]);
    expect(await names(intruder, `/v2/members?group_id=${billing}`, 'name')).toEqual([]);
    expect(await names(intruder, '/v2/knowledge-items?q=refund', 'title')).toEqual([]);
    expect(await names(intruder, `/v2/knowledge-items?category_id=${categories.billing}`, 'title')).toEqual([]);
    expect(await names(intruder, '/v2/knowledge-categories?q=billing', 'name')).toEqual([]);
  });

  it('bad filters are a 400 naming the field; roles below the list are refused', async () => {
    const agent = a.identity('agent');
    const cases: [Identity, string, string][] = [
      [a.identity('bot'), `/v2/members?q=${'x'.repeat(201)}`, 'q'],
      [a.identity('bot'), '/v2/members?q=a%00b', 'q'],
      [a.identity('bot'), '/v2/members?role=owner', 'role'],
      [agent, '/v2/knowledge-items?status=archived', 'status'],
      [agent, '/v2/knowledge-items?category_id=nope', 'category_id'],
      [agent, `/v2/knowledge-categories?q=${'x'.repeat(201)}`, 'q'],
      [agent, '/v2/knowledge-categories?status=draft', 'status'],
      [agent, '/v2/knowledge-items?cursor=garbage', 'cursor'],
    ];
    for (const [identity, path, fieldName] of cases) expect(refused(await api.call(identity, 'GET', path)), path).toEqual([400, 'validation_failed', fieldName]);
    expect(refused(await api.call(agent, 'GET', '/v2/members')).slice(0, 2)).toEqual([403, 'insufficient_scope']);
    expect(refused(await api.call(a.identity('guest'), 'GET', '/v2/knowledge-items')).slice(0, 2)).toEqual([403, 'insufficient_scope']);
  });
});
