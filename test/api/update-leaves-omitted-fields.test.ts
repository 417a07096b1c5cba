import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Identity } from '../../src/contract/identity.js';
import { operations } from '../../src/contract/index.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// Issue 17, finding 7: a PATCH changes only the fields it names. Generated over every update
// operation of the contract (every PATCH and PUT): the resource is created with a non-default
// value in every field, one field is patched, and every other field must read back unchanged.
// An update operation without a fixture below, or a body field without a changed value, fails:
// a new update operation is covered the day it is added.

interface Created {
  /** The path the update is sent to (REST, `/v2…`). */
  path: string;
  /** Where the resource is read back. */
  fetch: string;
  as: Identity;
  /**
   * The resource inside what `fetch` and the update answer, when that is not the resource itself
   * (a card inside its widget; a widget's order inside the widget or the reorder's list).
   */
  pick?: (data: unknown) => Record<string, unknown>;
}

interface UpdateFixture {
  create(api: ApiHarness, tenant: Tenant): Promise<Created>;
  /** For every field of the update body: a value different from the one the resource was created with. */
  changes: (tenant: Tenant, extra: Extra) => Record<string, unknown>;
  /** Response fields that follow from a patched field, so may change with it. */
  derived?: Record<string, string[]>;
  /** A field only some caller may set on some row (a user's own name): where to patch it instead. */
  createFor?: Record<string, (api: ApiHarness, tenant: Tenant) => Promise<Created>>;
  /** A field the answer shows in another form than the request sets it (tag names → `{name, label}`). */
  readBack?: Record<string, (value: unknown) => unknown>;
}

/** Two groups and two knowledge categories of the tenant, for fields that reference one. */
interface Extra {
  groups: [string, string];
  categories: [string, string];
}

const unique = () => randomUUID().slice(0, 8);

async function created(api: ApiHarness, as: Identity, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api.call(as, 'POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as Record<string, unknown>;
}

async function patched(api: ApiHarness, as: Identity, path: string, body: unknown): Promise<void> {
  const res = await api.call(as, 'PATCH', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

let extra: Extra;

/** A bot user in group A, disabled: every member field away from its default. */
async function member(api: ApiHarness, tenant: Tenant): Promise<string> {
  const admin = tenant.identity('admin');
  const user = await created(api, admin, '/v2/users', { email: `member-${unique()}@example.test`, name: 'Mia Member', role: 'bot' });
  await patched(api, admin, `/v2/members/${String(user.id)}`, { group_ids: [extra.groups[0]], status: 'disabled' });
  return String(user.id);
}

/** A widget of the tenant with one element of each kind, as its admin created it. */
async function widget(api: ApiHarness, tenant: Tenant) {
  const as = tenant.identity('admin');
  const created_ = await created(api, as, '/v2/widgets', {
    name: 'Home widget', allowed_origins: ['https://a.example'],
    config: { theme: { color: '#112233', position: 'left' }, locale: 'de', greeting: 'Hallo', pre_chat_form_id: null },
  });
  return { as, token: String(created_.client_token) };
}

type Listed = Array<Record<string, unknown>>;
const inWidget = (key: 'cards' | 'tabs') => (data: unknown) => (Array.isArray(data) ? data : (data as Record<string, Listed>)[key]!);
/** The element `id` in its widget (a read), or the element itself (the update's answer). */
const element = (key: 'cards' | 'tabs', id: unknown) => (data: unknown) =>
  key in (data as object) ? inWidget(key)(data).find((item) => item.id === id)! : (data as Record<string, unknown>);
/** A reorder's effect: the order, and each element without its position (which follows the order). */
const orderOf = (key: 'cards' | 'tabs') => (data: unknown) => {
  const elements = inWidget(key)(data);
  return { ids: elements.map((element) => element.id), elements: Object.fromEntries(elements.map(({ position: _, ...rest }) => [String(rest.id), rest])) };
};
/** The ids a reorder fixture created, newest fixture first; its `changes` reverse them. */
let createdOrder: string[] = [];

async function reorderFixture(api: ApiHarness, tenant: Tenant, key: 'cards' | 'tabs'): Promise<Created> {
  const { as, token } = await widget(api, tenant);
  const body = key === 'cards' ? (title: string) => ({ type: 'text', title }) : (title: string) => ({ type: 'chat', title });
  createdOrder = [];
  for (const title of ['first', 'second', 'third']) createdOrder.push(String((await created(api, as, `/v2/widgets/${token}/${key}`, body(title))).id));
  return { path: `/v2/widgets/${token}/${key}`, fetch: `/v2/widgets/${token}`, as, pick: orderOf(key) };
}

/** An open ticket with every field away from its default (a requester, an assignee, a group, a tag, a message). */
async function ticketFixture(api: ApiHarness, tenant: Tenant, suffix: string): Promise<Created> {
  const as = tenant.identity('agent');
  const admin = tenant.identity('admin');
  for (const name of ['tk-before', 'tk-after']) await api.call(admin, 'POST', '/v2/tags', { name });
  const contact = await created(api, admin, '/v2/contacts', { name: 'Rita Requester' });
  const ticket = await created(api, as, '/v2/tickets', {
    subject: 'Before', message: 'First', priority: 'high', requester: contact.id, assignee_id: tenant.users.agent.id, group_id: extra.groups[0], tags: ['tk-before'],
  });
  return { path: `/v2/tickets/${String(ticket.id)}${suffix}`, fetch: `/v2/tickets/${String(ticket.id)}`, as };
}

const fixtures: Record<string, UpdateFixture> = {
  'widgets.update': {
    async create(api, tenant) {
      const { as, token } = await widget(api, tenant);
      return { path: `/v2/widgets/${token}`, fetch: `/v2/widgets?client_token=${token}`, as, pick: (data) => (Array.isArray(data) ? data[0] : data) as Record<string, unknown> };
    },
    changes: () => ({
      name: 'Shop widget', allowed_origins: ['https://b.example', 'https://c.example'],
      config: { theme: { color: '#445566', position: 'right' }, locale: 'fr', greeting: 'Bonjour', pre_chat_form_id: null },
    }),
  },
  'widgets.cards.update': {
    async create(api, tenant) {
      const { as, token } = await widget(api, tenant);
      const card = await created(api, as, `/v2/widgets/${token}/cards`, {
        type: 'link', title: 'Orders', body: 'Track them', url: 'https://a.example/orders', translations: { de: { title: 'Bestellungen' } },
      });
      return { path: `/v2/widgets/${token}/cards/${String(card.id)}`, fetch: `/v2/widgets/${token}`, as, pick: element('cards', card.id) };
    },
    changes: () => ({ type: 'article', title: 'Refunds', body: 'How they work', url: 'https://a.example/refunds', translations: { fr: { title: 'Remboursements' } } }),
  },
  'widgets.cards.reorder': {
    create: (api, tenant) => reorderFixture(api, tenant, 'cards'),
    changes: () => ({ ids: [...createdOrder].reverse() }),
  },
  'tabs.update': {
    async create(api, tenant) {
      const { as, token } = await widget(api, tenant);
      const tab = await created(api, as, `/v2/widgets/${token}/tabs`, { type: 'link', title: 'Shop', url: 'https://a.example/shop', translations: { de: { title: 'Laden' } } });
      return { path: `/v2/widgets/${token}/tabs/${String(tab.id)}`, fetch: `/v2/widgets/${token}`, as, pick: element('tabs', tab.id) };
    },
    changes: () => ({ type: 'help', title: 'Help', url: 'https://a.example/help', translations: { fr: { title: 'Aide' } } }),
  },
  'tabs.reorder': {
    create: (api, tenant) => reorderFixture(api, tenant, 'tabs'),
    changes: () => ({ ids: [...createdOrder].reverse() }),
  },
  'visitors.updateContext': {
    async create(api, tenant) {
      const token = `vis_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      await api.runtime.db.knex('visitors').insert({ organization_id: tenant.organizationId, token, secret_hash: token, name: 'Vic', email: 'vic@example.test' });
      return { path: `/v2/visitors/${token}/context`, fetch: `/v2/visitors/${token}`, as: tenant.identity('agent') };
    },
    changes: () => ({ context: { plan: 'pro', cart: { items: 2 } } }),
    derived: { context: ['dropped'] },
  },
  'clients.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const client = await created(api, as, '/v2/clients', {
        name: 'Helpdesk app', type: 'web',
        redirect_uris: ['https://app.example.com/cb', 'https://app.example.com/cb2'],
        post_logout_redirect_uris: ['https://app.example.com/bye'],
        allowed_origins: ['https://app.example.com'],
        max_role: 'agent', signing_alg: 'RS256',
      });
      return { path: `/v2/clients/${String(client.id)}`, fetch: `/v2/clients/${String(client.id)}`, as };
    },
    changes: () => ({
      name: 'Helpdesk app 2',
      redirect_uris: ['https://other.example.com/cb'],
      post_logout_redirect_uris: ['https://other.example.com/bye'],
      allowed_origins: ['https://other.example.com'],
      max_role: 'guest',
      signing_alg: 'ES256',
      resource_server: true,
    }),
  },
  'contacts.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const contact = await created(api, as, '/v2/contacts', {
        name: 'Ann Smith', email: `ann-${unique()}@example.test`, phone: '+44 20 7946 0000', company: 'Acme', notes: 'VIP', attributes: { plan: 'pro' },
      });
      return { path: `/v2/contacts/${String(contact.id)}`, fetch: `/v2/contacts/${String(contact.id)}`, as };
    },
    changes: () => ({ name: 'Ann Jones', email: `ann-${unique()}@example.org`, phone: '+1 555 0100', company: 'Globex', notes: 'Churned', attributes: { plan: 'free' } }),
  },
  'forms.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const form = await created(api, as, '/v2/forms', {
        name: `Pre-chat ${unique()}`, description: 'Before a chat',
        fields: [{ key: 'topic', label: 'Topic', type: 'select', options: ['Sales', 'Support'], required: true }],
      });
      return { path: `/v2/forms/${String(form.id)}`, fetch: `/v2/forms/${String(form.id)}`, as };
    },
    changes: () => ({
      name: `Offline ${unique()}`, description: 'When nobody is online',
      fields: [{ key: 'email', label: 'Email', type: 'email', required: true }],
    }),
  },
  'knowledgeCategories.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const category = await created(api, as, '/v2/knowledge-categories', { name: `Billing ${unique()}`, description: 'Money', position: 7 });
      return { path: `/v2/knowledge-categories/${String(category.id)}`, fetch: `/v2/knowledge-categories/${String(category.id)}`, as };
    },
    changes: () => ({ name: `Payments ${unique()}`, description: 'More money', position: 9 }),
  },
  'knowledgeItems.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const item = await created(api, as, '/v2/knowledge-items', {
        title: 'How to pay', body: 'Use the billing page.', status: 'published', category_id: extra.categories[0], tags: ['billing', 'pay'],
      });
      return { path: `/v2/knowledge-items/${String(item.id)}`, fetch: `/v2/knowledge-items/${String(item.id)}`, as };
    },
    changes: (_tenant, { categories }) => ({ title: 'How to refund', body: 'Ask support.', status: 'draft', category_id: categories[1], tags: ['refunds'] }),
    // Going back to draft clears the publication date (knowledge-items/service.ts).
    derived: { status: ['published_at'] },
  },
  'members.update': {
    async create(api, tenant) {
      const id = await member(api, tenant);
      return { path: `/v2/members/${id}`, fetch: `/v2/members/${id}`, as: tenant.identity('admin') };
    },
    changes: (_tenant, { groups }) => ({ role: 'agent', status: 'active', group_ids: [groups[1]] }),
  },
  'organizationGroups.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const group = await created(api, as, '/v2/organization-groups', { name: `Tier 2 ${unique()}`, description: 'Escalations' });
      return { path: `/v2/organization-groups/${String(group.id)}`, fetch: `/v2/organization-groups/${String(group.id)}`, as };
    },
    changes: () => ({ name: `Tier 3 ${unique()}`, description: 'Engineering' }),
  },
  'organizations.update': {
    async create(api) {
      const tenant = await api.tenant(`Org ${unique()}`);
      const path = `/v2/organizations/${tenant.organizationId}`;
      return { path, fetch: path, as: tenant.identity('admin') };
    },
    changes: () => ({ name: `Renamed org ${unique()}`, webview_hosts: ['forms.example.com'] }),
  },
  'conversations.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      for (const name of ['before', 'after']) await api.call(as, 'POST', '/v2/tags', { name });
      const conversation = await created(api, as, '/v2/conversations', { subject: 'Before', group_id: extra.groups[0] });
      const path = `/v2/conversations/${String(conversation.token)}`;
      await patched(api, as, path, { assignee_id: tenant.users.agent.id, summary: 'Before', tags: ['before'], status: 'closed', end_reason: 'resolved' });
      return { path, fetch: path, as };
    },
    changes: (tenant, { groups }) => ({
      assignee_id: tenant.users.bot.id, group_id: groups[1], status: 'pending', end_reason: 'spam', subject: 'After', summary: 'After', tags: ['after'],
    }),
    // Reopening clears the end of a closed conversation (conversations/service.ts).
    derived: { assignee_id: ['assignee'], status: ['ended_at', 'end_reason'] },
    readBack: { tags: (value) => (value as { name: string }[]).map((tag) => tag.name) },
  },
  'tickets.update': {
    create: (api, tenant) => ticketFixture(api, tenant, ''),
    changes: (tenant, { groups }) => ({ subject: 'After', priority: 'low', requester: null, assignee_id: tenant.users.bot.id, group_id: groups[1], tags: ['tk-after'] }),
    derived: { assignee_id: ['assignee'] },
    readBack: { requester: (value) => (value === null ? null : (value as { id: string }).id) },
  },
  'tickets.setStatus': { create: (api, tenant) => ticketFixture(api, tenant, '/status'), changes: () => ({ status: 'pending' }) },
  'tickets.status': { create: (api, tenant) => ticketFixture(api, tenant, '/status'), changes: () => ({ status: 'on_hold' }) },
  'tags.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const tag = await created(api, as, '/v2/tags', { name: `before-${unique()}`, labels: { de: 'Vorher' } });
      return { path: `/v2/tags/${String(tag.id)}`, fetch: `/v2/tags/${String(tag.id)}`, as };
    },
    changes: () => ({ name: `after-${unique()}`, labels: { fr: 'Après' } }),
  },
  'webhooks.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const webhook = await created(api, as, '/v2/webhooks', {
        url: 'https://hooks.example.test/before', events: ['chat.started'], description: 'Before', message_author_types: ['visitor'], enabled: false,
      });
      return { path: `/v2/webhooks/${String(webhook.id)}`, fetch: `/v2/webhooks/${String(webhook.id)}`, as };
    },
    changes: () => ({ url: 'https://hooks.example.test/after', events: ['*'], description: 'After', message_author_types: ['bot', 'agent'], enabled: true }),
    // Enabling clears why and since when the endpoint was off (domain/webhooks.ts).
    derived: { enabled: ['disabled_reason', 'disabled_at'] },
  },
  'messages.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const conversation = await created(api, as, '/v2/conversations', {});
      const message = await created(api, as, `/v2/conversations/${String(conversation.token)}/messages`, { content: { type: 'text', text: 'Before' } });
      return { path: `/v2/messages/${String(message.id)}`, fetch: `/v2/messages/${String(message.id)}`, as };
    },
    changes: () => ({ content: { type: 'text', text: 'After' } }),
    derived: { content: ['text', 'edited_at'] },
  },
  'services.update': {
    async create(api, tenant) {
      const as = tenant.identity('admin');
      const service = await created(api, as, '/v2/services', { name: `Onboarding ${unique()}`, description: 'First week', group_id: extra.groups[0], active: false });
      return { path: `/v2/services/${String(service.id)}`, fetch: `/v2/services/${String(service.id)}`, as };
    },
    changes: (_tenant, { groups }) => ({ name: `Migration ${unique()}`, description: 'Moving in', group_id: groups[1], active: true }),
  },
  'users.updateAvailability': {
    // The caller's own presence, read back as its member row.
    async create(api, tenant) {
      const admin = tenant.identity('admin');
      const user = await created(api, admin, '/v2/users', { email: `present-${unique()}@example.test`, name: 'Paula Present', role: 'bot' });
      await patched(api, admin, `/v2/members/${String(user.id)}`, { group_ids: [extra.groups[0]] });
      return { path: '/v2/users/me/availability', fetch: `/v2/members/${String(user.id)}`, as: tenant.identity('bot', { sub: String(user.id) }) };
    },
    changes: () => ({ availability: 'online' }),
    derived: { availability: ['last_seen_at'] },
  },
  'users.updateMe': {
    async create(api, tenant) {
      const admin = tenant.identity('admin');
      const user = await created(api, admin, '/v2/users', { email: `self-${unique()}@example.test`, name: 'Sam Self', role: 'bot' });
      await patched(api, admin, `/v2/members/${String(user.id)}`, { group_ids: [extra.groups[0]] });
      return { path: '/v2/users/me', fetch: '/v2/users/me', as: tenant.identity('bot', { sub: String(user.id) }) };
    },
    changes: () => ({ name: 'Sam Renamed' }),
  },
  'users.update': {
    async create(api, tenant) {
      const id = await member(api, tenant);
      return { path: `/v2/users/${id}`, fetch: `/v2/users/${id}`, as: tenant.identity('admin') };
    },
    changes: () => ({ name: 'Mia Renamed', role: 'agent', status: 'active' }),
    // A name is its user's alone (issue 17, finding 3): the admin renames itself.
    createFor: {
      name: async (_api, tenant) => {
        const self = tenant.identity('admin');
        return { path: `/v2/users/${self.sub}`, fetch: `/v2/users/${self.sub}`, as: self };
      },
    },
  },
};

const updates = operations.filter((operation) => operation.method === 'PATCH' || operation.method === 'PUT');
const bodyFields = (name: string): string[] => {
  const body = updates.find((operation) => operation.name === name)!.body;
  return body instanceof z.ZodObject ? Object.keys(body.shape) : [];
};
const cases = updates.flatMap((operation) => bodyFields(operation.name).map((field) => [operation.name, field] as const));

describe('every update operation leaves omitted fields alone (issue 17, finding 7)', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
    const admin = tenant.identity('admin');
    const group = async () => String((await created(api, admin, '/v2/organization-groups', { name: `Group ${unique()}` })).id);
    const category = async () => String((await created(api, admin, '/v2/knowledge-categories', { name: `Category ${unique()}` })).id);
    extra = { groups: [await group(), await group()], categories: [await category(), await category()] };
  });
  afterAll(() => api.close());

  it('knows the update operations of the contract, and has a fixture for each', () => {
    expect(updates.length).toBeGreaterThanOrEqual(11);
    expect(updates.map((operation) => operation.name).filter((name) => !(name in fixtures)), 'update operations without a fixture').toEqual([]);
  });

  it.each(updates.map((operation) => operation.name))('%s: the fixture changes every field of the update body', (name) => {
    const fixture = fixtures[name];
    expect(fixture, `no fixture for ${name}: add one to this file`).toBeDefined();
    expect(Object.keys(fixture!.changes(tenant, extra)).sort()).toEqual(bodyFields(name).sort());
  });

  it.each(cases)('%s: patching only %s changes nothing else', async (name, field) => {
    const fixture = fixtures[name];
    expect(fixture, `no fixture for ${name}: add one to this file`).toBeDefined();
    const target = await (fixture!.createFor?.[field] ?? fixture!.create)(api, tenant);
    const pick = target.pick ?? ((data: unknown) => data as Record<string, unknown>);
    const read = async () => {
      const res = await api.call(target.as, 'GET', target.fetch);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return pick(res.body.data);
    };
    const readBack = fixture!.readBack?.[field] ?? ((value: unknown) => value);
    const before = await read();
    const value = fixture!.changes(tenant, extra)[field];
    expect(readBack(before[field]), `${name}: the fixture must create ${field} with another value than the patch`).not.toEqual(value);

    const res = await api.call(target.as, updates.find((operation) => operation.name === name)!.method, target.path, { [field]: value });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = await read();
    expect(readBack(after[field])).toEqual(value);
    const mayChange = new Set([field, 'updated_at', ...(fixture!.derived?.[field] ?? [])]);
    const unchanged = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([key]) => !mayChange.has(key)));
    expect(unchanged(after)).toEqual(unchanged(before));
    expect(unchanged(pick(res.body.data))).toEqual(unchanged(before));
  });
});
