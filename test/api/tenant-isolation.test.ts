import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperationByName, operations } from '../../src/contract/index.js';
import { readSse } from '../helpers/sse.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { chatRows, collections, samples, type ChatRows } from './fixtures.js';

// DESIGN.md "Resources": every query carries the caller's organization; a row of another
// organization is not_found (never forbidden) on fetch, update, delete and RPC, and never shows
// in another organization's lists or counts.

interface Item {
  prefix: string;
  id: string;
  idField: 'id' | 'user_id';
}

describe('tenant isolation', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  const items: Item[] = [];

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Organization A');
    b = await api.tenant('Organization B');
    const admin = a.identity('admin');
    for (const [prefix, sample] of Object.entries(samples)) {
      const res = await api.call(admin, 'POST', `/v2${collections[prefix]}`, sample.create());
      expect(res.status, `${prefix}: ${JSON.stringify(res.body)}`).toBe(201);
      const shape = findOperationByName(`${prefix}.create`)!.response!.safeParse(res.body.data);
      expect(shape.success, `${prefix}.create answers its contract schema`).toBe(true);
      items.push({ prefix, id: (res.body.data as { id: string }).id, idField: 'id' });
    }
    // A group with a member and a category with an article: their counts must not leak.
    const group = items.find((item) => item.prefix === 'organizationGroups')!;
    const member = await api.call(admin, 'PATCH', `/v2/members/${a.users.agent.id}`, { group_ids: [group.id] });
    expect(member.status, JSON.stringify(member.body)).toBe(200);
    const category = items.find((item) => item.prefix === 'knowledgeCategories')!;
    const article = await api.call(admin, 'POST', '/v2/knowledge-items', { title: 'x', body: 'y', category_id: category.id });
    expect(article.status).toBe(201);
    items.push({ prefix: 'members', id: a.users.agent.id, idField: 'user_id' });
    items.push({ prefix: 'organizations', id: a.organizationId, idField: 'id' });
    const events = await api.call(admin, 'GET', '/v2/audit-events?limit=1');
    items.push({ prefix: 'auditEvents', id: (events.body.data as Array<{ id: string }>)[0]!.id, idField: 'id' });
  });
  afterAll(() => api.close());

  const otherUpdates: Record<string, Record<string, unknown>> = { members: { role: 'bot' }, organizations: { name: 'Taken over' } };
  const prefixes = [...Object.keys(samples), 'members', 'organizations', 'auditEvents'];

  it.each(prefixes)('%s: B gets 404 for every id of A, over REST and RPC', async (prefix) => {
    const item = items.find((candidate) => candidate.prefix === prefix)!;
    const intruder = b.identity('admin');
    for (const action of ['fetch', 'update', 'delete'] as const) {
      const operation = findOperationByName(`${prefix}.${action}`);
      if (!operation) continue;
      const body = action === 'update' ? (samples[prefix]?.update ?? otherUpdates[prefix]) : undefined;
      const rest = await api.call(intruder, operation.method, `/v2${operation.path.replace('{id}', item.id)}`, body);
      expect([rest.status, rest.body.error], `${operation.name} REST`).toEqual([404, 'not_found']);
      const rpc = await api.call(intruder, 'POST', `/v1/${operation.name}`, { id: item.id, ...(body ?? {}) });
      expect([rpc.status, rpc.body.error], `${operation.name} RPC`).toEqual([404, 'not_found']);
    }
    // …and A still has it, unchanged by B's attempts.
    const fetch = findOperationByName(`${prefix}.fetch`)!;
    const own = await api.call(a.identity('admin'), 'GET', `/v2${fetch.path.replace('{id}', item.id)}`);
    expect(own.status).toBe(200);
    expect((own.body.data as Record<string, unknown>)[item.idField]).toBe(item.id);
  });

  it.each(prefixes)("%s: A's rows never appear in B's list", async (prefix) => {
    const item = items.find((candidate) => candidate.prefix === prefix)!;
    const ids: unknown[] = [];
    let cursor: string | null | undefined;
    do {
      const res = await api.call(b.identity('admin'), 'GET', `/v2${collections[prefix]}?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      for (const row of res.body.data as Array<Record<string, unknown>>) {
        ids.push(row[item.idField]);
        if ('organization_id' in row) expect(row.organization_id).toBe(b.organizationId);
      }
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(ids).not.toContain(item.id);
  });

  it("B's counts and filters ignore A's rows", async () => {
    const group = items.find((item) => item.prefix === 'organizationGroups')!;
    const category = items.find((item) => item.prefix === 'knowledgeCategories')!;
    const members = await api.call(b.identity('admin'), 'GET', `/v2/members?group_id=${group.id}`);
    expect(members.body.data).toEqual([]);
    const articles = await api.call(b.identity('admin'), 'GET', `/v2/knowledge-items?category_id=${category.id}`);
    expect(articles.body.data).toEqual([]);
    const ownGroup = await api.call(a.identity('admin'), 'GET', `/v2/organization-groups/${group.id}`);
    expect((ownGroup.body.data as { member_count: number }).member_count).toBe(1);
    const ownCategory = await api.call(a.identity('admin'), 'GET', `/v2/knowledge-categories/${category.id}`);
    expect((ownCategory.body.data as { item_count: number }).item_count).toBe(1);
  });

  it("B cannot link A's rows into its own (groups, categories)", async () => {
    const group = items.find((item) => item.prefix === 'organizationGroups')!;
    const category = items.find((item) => item.prefix === 'knowledgeCategories')!;
    const intruder = b.identity('admin');
    const service = await api.call(intruder, 'POST', '/v2/services', { name: 'x', group_id: group.id });
    expect([service.status, service.body.details?.fields?.[0]?.field]).toEqual([400, 'group_id']);
    const article = await api.call(intruder, 'POST', '/v2/knowledge-items', { title: 'x', body: 'y', category_id: category.id });
    expect([article.status, article.body.details?.fields?.[0]?.field]).toEqual([400, 'category_id']);
    const member = await api.call(intruder, 'PATCH', `/v2/members/${b.users.agent.id}`, { group_ids: [group.id] });
    expect([member.status, member.body.details?.fields?.[0]?.field]).toEqual([400, 'group_ids']);
    const invitation = await api.call(intruder, 'POST', '/v2/invitations', { email: `${randomUUID()}@example.test`, role: 'agent', group_ids: [group.id] });
    expect([invitation.status, invitation.body.details?.fields?.[0]?.field]).toEqual([400, 'group_ids']);
  });

  it('an admin cannot grant a role to a user of another organization', async () => {
    const res = await api.call(b.identity('admin'), 'PATCH', `/v2/users/${a.users.guest.id}`, { role: 'admin' });
    expect([res.status, res.body.error]).toEqual([404, 'not_found']);
    const row = await api.runtime.db.knex('memberships').where({ user_id: a.users.guest.id }).first();
    expect(row.role).toBe('guest');
  });
});

// The chat core (issue 10): every widget, card, tab, visitor, conversation, message and tag
// operation, tried by organization B (its admin, and its visitor where visitors may call) with
// A's real tokens and ids. The answers are literal; afterwards A reads its rows back unchanged.
describe('tenant isolation: the chat core', () => {
  const CHAT_TAGS = ['widgets', 'visitors', 'conversations', 'messages'];
  const NOT_FOUND = [404, 'not_found', undefined] as const;
  const field = (name: string) => [400, 'validation_failed', name] as const;
  type Expected = readonly [number, string, string | undefined];
  type Attempt = [name: string, who: 'admin' | 'both', params: Record<string, string>, body: Record<string, unknown> | undefined, expected: Expected];

  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let mine: ChatRows;
  let theirs: ChatRows;
  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Chat A');
    b = await api.tenant('Chat B');
    mine = await chatRows(api, a);
    theirs = await chatRows(api, b);
  });
  afterAll(() => api.close());

  const text = { type: 'text', text: 'mine now' };
  /** `r` are A's rows, `o` B's own. */
  const attempts = (r: ChatRows, o: ChatRows): Attempt[] => [
    ['widgets.create', 'admin', {}, { name: 'x', allowed_origins: ['https://b.example'], config: { pre_chat_form_id: r.formId } }, field('config.pre_chat_form_id')],
    ['widgets.update', 'admin', { clientToken: r.clientToken }, { name: 'Taken' }, NOT_FOUND],
    ['widgets.update', 'admin', { clientToken: o.clientToken }, { config: { pre_chat_form_id: r.formId } }, field('config.pre_chat_form_id')],
    ['widgets.delete', 'admin', { clientToken: r.clientToken }, undefined, NOT_FOUND],
    ['widgets.cards.add', 'admin', { clientToken: r.clientToken }, { type: 'text', title: 'x' }, NOT_FOUND],
    ['widgets.cards.update', 'admin', { clientToken: r.clientToken, id: r.cardId }, { title: 'x' }, NOT_FOUND],
    ['widgets.cards.update', 'admin', { clientToken: o.clientToken, id: r.cardId }, { title: 'x' }, NOT_FOUND],
    ['widgets.cards.remove', 'admin', { clientToken: r.clientToken, id: r.cardId }, undefined, NOT_FOUND],
    ['widgets.cards.remove', 'admin', { clientToken: o.clientToken, id: r.cardId }, undefined, NOT_FOUND],
    ['widgets.cards.reorder', 'admin', { clientToken: r.clientToken }, { ids: [r.cardId] }, NOT_FOUND],
    ['widgets.cards.reorder', 'admin', { clientToken: o.clientToken }, { ids: [o.cardId, r.cardId] }, field('ids[1]')],
    ['tabs.create', 'admin', { clientToken: r.clientToken }, { type: 'chat', title: 'x' }, NOT_FOUND],
    ['tabs.update', 'admin', { clientToken: r.clientToken, id: r.tabId }, { title: 'x' }, NOT_FOUND],
    ['tabs.update', 'admin', { clientToken: o.clientToken, id: r.tabId }, { title: 'x' }, NOT_FOUND],
    ['tabs.delete', 'admin', { clientToken: r.clientToken, id: r.tabId }, undefined, NOT_FOUND],
    ['tabs.delete', 'admin', { clientToken: o.clientToken, id: r.tabId }, undefined, NOT_FOUND],
    ['tabs.reorder', 'admin', { clientToken: r.clientToken }, { ids: [r.tabId] }, NOT_FOUND],
    ['tabs.reorder', 'admin', { clientToken: o.clientToken }, { ids: [o.tabId, r.tabId] }, field('ids[1]')],
    ['visitors.fetch', 'both', { token: r.visitor.token }, undefined, NOT_FOUND],
    ['visitors.updateContext', 'both', { token: r.visitor.token }, { context: { plan: 'x' } }, NOT_FOUND],
    ['visitors.delete', 'admin', { token: r.visitor.token }, undefined, NOT_FOUND],
    ['conversations.create', 'both', {}, { visitor_token: r.visitor.token }, field('visitor_token')],
    ['conversations.create', 'admin', {}, { group_id: r.groupId }, field('group_id')],
    ['conversations.fetch', 'both', { token: r.conversation }, undefined, NOT_FOUND],
    ['conversations.history', 'both', { token: r.conversation }, undefined, NOT_FOUND],
    ['conversations.events', 'both', { token: r.conversation }, undefined, NOT_FOUND],
    ['conversations.update', 'admin', { token: r.conversation }, { summary: 'mine' }, NOT_FOUND],
    ['conversations.update', 'admin', { token: o.conversation }, { assignee_id: a.users.agent.id }, field('assignee_id')],
    ['conversations.update', 'admin', { token: o.conversation }, { group_id: r.groupId }, field('group_id')],
    ['conversations.update', 'admin', { token: o.conversation }, { tags: [r.tagName] }, field('tags[0]')],
    ['conversations.transfer', 'admin', { token: r.conversation }, { assignee_id: b.users.agent.id }, NOT_FOUND],
    ['conversations.transfer', 'admin', { token: o.conversation }, { assignee_id: a.users.agent.id }, field('assignee_id')],
    ['conversations.transfer', 'admin', { token: o.conversation }, { group_id: r.groupId }, field('group_id')],
    ['conversations.rate', 'both', { token: r.conversation }, { score: 1 }, NOT_FOUND],
    ['conversations.delete', 'admin', { token: r.conversation }, undefined, NOT_FOUND],
    ['conversations.participants.list', 'admin', { token: r.conversation }, undefined, NOT_FOUND],
    ['conversations.participants.add', 'admin', { token: r.conversation }, { user_id: b.users.guest.id }, NOT_FOUND],
    ['conversations.participants.add', 'admin', { token: o.conversation }, { user_id: a.users.guest.id }, field('user_id')],
    ['conversations.participants.remove', 'admin', { token: r.conversation, userId: a.users.guest.id }, undefined, NOT_FOUND],
    ['messages.create', 'both', { token: r.conversation }, { content: text }, NOT_FOUND],
    ['messages.create', 'both', { token: o.conversation }, { postback: { message_id: r.messageId, element_id: 'x' } }, field('postback.message_id')],
    ['messages.fetch', 'admin', { id: r.messageId }, undefined, NOT_FOUND],
    ['messages.update', 'admin', { id: r.messageId }, { content: text }, NOT_FOUND],
    ['messages.delete', 'admin', { id: r.messageId }, undefined, NOT_FOUND],
    ['tags.fetch', 'admin', { id: r.tagId }, undefined, NOT_FOUND],
    ['tags.update', 'admin', { id: r.tagId }, { name: 'taken' }, NOT_FOUND],
    ['tags.delete', 'admin', { id: r.tagId }, undefined, NOT_FOUND],
  ];
  /** B's lists, filtered by A's tokens and ids: empty (a blank query: the list is only read whole). */
  const filteredLists = (r: ChatRows): [string, string][] => [
    ['widgets.list', `client_token=${r.clientToken}`],
    ['visitors.list', `widget=${r.clientToken}`],
    ['conversations.list', `visitor=${r.visitor.token}`],
    ['conversations.list', `widget=${r.clientToken}`],
    ['conversations.list', `assignee_id=${a.users.agent.id}`],
    ['conversations.list', `group_id=${r.groupId}`],
    ['conversations.list', `tag=${r.tagName}`],
    ['messages.list', `conversation=${r.conversation}`],
    ['tags.list', ''],
  ];
  // Covered by their own tests below: the public read, the organization's stream, a tag's name.
  const elsewhere = ['widgets.fetch', 'events.stream', 'tags.create'];

  it('the tables name every operation of the chat core', () => {
    const named = new Set([...attempts(mine, theirs).map(([name]) => name), ...filteredLists(mine).map(([name]) => name), ...elsewhere]);
    const chat = operations.filter((operation) => CHAT_TAGS.includes(operation.tag)).map((operation) => operation.name);
    expect([...named].sort()).toEqual([...chat].sort());
  });

  async function snapshot() {
    const admin = a.identity('admin');
    const reads = [
      `/v2/widgets?client_token=${mine.clientToken}`, `/v2/visitors/${mine.visitor.token}`, `/v2/conversations/${mine.conversation}`,
      `/v2/conversations/${mine.conversation}/messages`, `/v2/messages/${mine.messageId}`, `/v2/tags/${mine.tagId}`,
      `/v2/conversations/${mine.conversation}/participants`,
    ];
    const answers: unknown[] = [];
    for (const path of reads) {
      const res = await api.call(admin, 'GET', path);
      expect(res.status, path).toBe(200);
      answers.push(res.body.data);
    }
    const counts: number[] = [];
    for (const table of ['audit_events', 'outbox_events']) {
      counts.push(Number((await api.runtime.db.knex(table).where({ organization_id: a.organizationId }).count({ n: '*' }).first())!.n));
    }
    return { answers, counts };
  }

  it("B's admin and B's visitor get the literal answer for each of A's ids, over REST and RPC, and A's rows stay as they were", async () => {
    const before = await snapshot();
    for (const [name, who, params, body, expected] of attempts(mine, theirs)) {
      const operation = findOperationByName(name)!;
      const path = `/v2${operation.path.replace(/\{(\w+)\}/g, (_, key: string) => params[key]!)}`;
      for (const identity of who === 'both' ? [b.identity('admin'), theirs.visitor.identity] : [b.identity('admin')]) {
        const label = `${identity.kind} ${name} ${JSON.stringify(body ?? {})}`;
        const rest = await api.call(identity, operation.method, path, body);
        expect([rest.status, rest.body.error, rest.body.details?.fields?.[0]?.field], `${label} REST`).toEqual(expected);
        const rpc = await api.call(identity, 'POST', `/v1/${name}`, { ...params, ...(body ?? {}) });
        expect([rpc.status, rpc.body.error, rpc.body.details?.fields?.[0]?.field], `${label} RPC`).toEqual(expected);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("B's lists filtered by A's tokens are empty, and no page of any B list names anything of A", async () => {
    const intruder = b.identity('admin');
    for (const [name, query] of filteredLists(mine).filter(([, q]) => q !== '')) {
      const res = await api.call(intruder, 'GET', `/v2${findOperationByName(name)!.path}?${query}`);
      expect([res.status, res.body.data], `${name}?${query}`).toEqual([200, []]);
    }
    const secrets = [a.organizationId, mine.clientToken, mine.cardId, mine.tabId, mine.visitor.token, mine.conversation, mine.messageId, mine.tagId];
    for (const name of new Set(filteredLists(mine).map(([list]) => list))) {
      const res = await api.call(intruder, 'GET', `/v2${findOperationByName(name)!.path}?limit=100`);
      expect(res.status).toBe(200);
      expect((res.body.data as unknown[]).length, `${name} lists B's own`).toBeGreaterThan(0);
      for (const secret of secrets) expect(JSON.stringify(res.body.data), `${name} names ${secret}`).not.toContain(secret);
    }
  });

  it('the public read by client token shows anyone only the public fields, never whose widget it is', async () => {
    const res = await api.call(theirs.visitor.identity, 'GET', `/v2/widgets/${mine.clientToken}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data as object).sort()).toEqual(['cards', 'client_token', 'config', 'name', 'tabs', 'updated_at']);
    expect(JSON.stringify(res.body.data)).not.toContain(a.organizationId);
  });

  it("B's agents' stream of the organization's events never carries A's", async () => {
    const sse = readSse(await api.open(b.identity('agent'), '/v2/events'));
    const post = (rows: ChatRows, said: string) =>
      api.call(rows.visitor.identity, 'POST', `/v2/conversations/${rows.conversation}/messages`, { content: { type: 'text', text: said } });
    expect((await post(mine, 'for A')).status).toBe(201);
    expect((await post(theirs, 'for B')).status).toBe(201);
    // Events arrive in position order: had A's leaked, it would come first.
    const event = JSON.parse((await sse.next()).data) as { organization_id: string; data: { text: string } };
    expect([event.organization_id, event.data.text]).toEqual([b.organizationId, 'for B']);
    sse.close();
  });

  it("a tag name is the organization's own: B may create A's tag name, and A's tag stays A's", async () => {
    const res = await api.call(b.identity('admin'), 'POST', '/v2/tags', { name: mine.tagName });
    expect(res.status).toBe(201);
    expect((res.body.data as { id: string }).id).not.toBe(mine.tagId);
    const own = await api.call(a.identity('admin'), 'GET', `/v2/tags/${mine.tagId}`);
    expect(own.body.data).toMatchObject({ id: mine.tagId, name: mine.tagName, labels: { de: 'Isoliert' } });
  });
});
