import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { insertMembership, insertOrganization, insertUser } from '../../../src/db/accounts.js';
import { issueApiKey } from '../../../src/db/api-keys.js';
import { startTestGatehouse, type TestGatehouse } from '../../helpers/gatehouse.js';
import { startApiHarness, type ApiHarness, type ApiResponse, type Tenant } from '../harness.js';

// Seed 002 "Widgets", seed 000 "widget create/delete and cards", "tabs" (issue 10): every
// operation by its literal path, under /v2, un-versioned and over RPC; the public read with its
// ETag and 304s; another organization's admin, roles below admin and visitor sessions refused.

const TOKEN = /^wgt_[A-Za-z0-9]{24}$/;
const origins = ['https://www.acme.example'];

type Widget = { client_token: string; cards: Array<{ id: string; title: string; position: number }>; tabs: Array<{ id: string; position: number }> } & Record<string, unknown>;
type Element = { id: string; title: string; position: number } & Record<string, unknown>;

describe('widgets, cards and tabs', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let admin: Identity;

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Widgets A');
    b = await api.tenant('Widgets B');
    admin = a.identity('admin');
  });
  afterAll(() => api.close());

  const ok = (res: ApiResponse, status = 200) => {
    expect([res.status, res.body.ok], JSON.stringify(res.body)).toEqual([status, true]);
    return res.body.data;
  };
  const create = async (as: Identity = admin, name = 'Website chat') =>
    ok(await api.call(as, 'POST', '/v2/widgets', { name, allowed_origins: origins }), 201) as Widget;
  const addCard = async (token: string, title: string) =>
    ok(await api.call(admin, 'POST', `/v2/widgets/${token}/cards`, { type: 'text', title }), 201) as Element;
  const refused = (res: ApiResponse) => [res.status, res.body.error, res.body.details?.fields];

  it('creates a widget with a random client token and the default config; stores allowed origins', async () => {
    const widget = await create();
    expect(widget.client_token).toMatch(TOKEN);
    expect(widget).toEqual({
      id: expect.any(String), organization_id: a.organizationId, client_token: widget.client_token, name: 'Website chat',
      allowed_origins: origins,
      config: { theme: { color: '#1a73e8', position: 'right' }, locale: 'en', greeting: '', pre_chat_form_id: null },
      cards: [], tabs: [], created_at: expect.any(String), updated_at: expect.any(String),
    });
    const other = await create();
    expect(other.client_token).not.toBe(widget.client_token);
  });

  it.each([['/v2'], ['']])('serves every widget operation at its literal path under %s', async (prefix) => {
    const created = ok(await api.call(admin, 'POST', `${prefix}/widgets`, { name: 'Shop', allowed_origins: origins }), 201) as Widget;
    const ct = created.client_token;
    const listed = ok(await api.call(admin, 'GET', `${prefix}/widgets?client_token=${ct}`)) as Widget[];
    expect(listed.map((w) => w.client_token)).toEqual([ct]);
    const updated = ok(await api.call(admin, 'PATCH', `${prefix}/widgets/${ct}`, { name: 'Shop 2', config: { greeting: 'Hello' } })) as Widget;
    expect(updated).toMatchObject({ name: 'Shop 2', allowed_origins: origins, config: { greeting: 'Hello', locale: 'en' } });

    const card = ok(await api.call(admin, 'POST', `${prefix}/widgets/${ct}/cards`, { type: 'link', title: 'Orders', url: 'https://www.acme.example/o' }), 201) as Element;
    expect(card).toEqual({ id: expect.any(String), type: 'link', title: 'Orders', body: null, url: 'https://www.acme.example/o', position: 0, translations: {} });
    const card2 = ok(await api.call(admin, 'POST', `${prefix}/widgets/${ct}/cards`, { type: 'text', title: 'Hours', body: '9-5' }), 201) as Element;
    expect(card2.position).toBe(1);
    expect(ok(await api.call(admin, 'PATCH', `${prefix}/widgets/${ct}/cards/${card.id}`, { title: 'Your orders', translations: { de: { title: 'Bestellungen' } } })))
      .toMatchObject({ title: 'Your orders', translations: { de: { title: 'Bestellungen' } }, url: 'https://www.acme.example/o' });
    const reordered = ok(await api.call(admin, 'PUT', `${prefix}/widgets/${ct}/cards`, { ids: [card2.id, card.id] })) as Element[];
    expect(reordered.map((c) => [c.id, c.position])).toEqual([[card2.id, 0], [card.id, 1]]);
    expect(ok(await api.call(admin, 'DELETE', `${prefix}/widgets/${ct}/cards/${card2.id}`))).toEqual({ id: card2.id, deleted: true });

    const tab = ok(await api.call(admin, 'POST', `${prefix}/widgets/${ct}/tabs`, { type: 'chat', title: 'Chat' }), 201) as Element;
    expect(tab).toEqual({ id: expect.any(String), type: 'chat', title: 'Chat', url: null, position: 0, translations: {} });
    const tab2 = ok(await api.call(admin, 'POST', `${prefix}/widgets/${ct}/tabs`, { type: 'help', title: 'Help' }), 201) as Element;
    expect(ok(await api.call(admin, 'PATCH', `${prefix}/widgets/${ct}/tabs/${tab2.id}`, { title: 'Help centre' }))).toMatchObject({ title: 'Help centre', position: 1 });
    expect((ok(await api.call(admin, 'PUT', `${prefix}/widgets/${ct}/tabs`, { ids: [tab2.id, tab.id] })) as Element[]).map((t) => t.id)).toEqual([tab2.id, tab.id]);
    expect(ok(await api.call(admin, 'DELETE', `${prefix}/widgets/${ct}/tabs/${tab.id}`))).toEqual({ id: tab.id, deleted: true });

    // The public read: no identity at all.
    const shown = ok(await api.call(undefined, 'GET', `${prefix}/widgets/${ct}`)) as Widget;
    expect(Object.keys(shown).sort()).toEqual(['cards', 'client_token', 'config', 'name', 'tabs', 'updated_at']);
    expect(shown.cards.map((c) => [c.title, c.position])).toEqual([['Your orders', 0]]);
    expect(shown.tabs.map((t) => [t.id, t.position])).toEqual([[tab2.id, 0]]);

    expect(ok(await api.call(admin, 'DELETE', `${prefix}/widgets/${ct}`))).toEqual({ token: ct, deleted: true });
    expect(refused(await api.call(undefined, 'GET', `${prefix}/widgets/${ct}`))).toEqual([404, 'not_found', undefined]);
  });

  it('serves every widget operation over RPC (seed 000: widgets.cards.add, tabs.create…)', async () => {
    const rpc = (method: string, args: Record<string, unknown>, as: Identity | undefined = admin) => api.call(as, 'POST', `/v1/${method}`, args);
    const created = ok(await rpc('widgets.create', { name: 'RPC', allowed_origins: origins }), 201) as Widget;
    const clientToken = created.client_token;
    expect((ok(await rpc('widgets.list', { client_token: clientToken })) as Widget[]).length).toBe(1);
    expect(ok(await rpc('widgets.update', { clientToken, name: 'RPC 2' }))).toMatchObject({ name: 'RPC 2' });
    const card = ok(await rpc('widgets.cards.add', { clientToken, type: 'article', title: 'Refunds' }), 201) as Element;
    expect(ok(await rpc('widgets.cards.update', { clientToken, id: card.id, body: 'How refunds work' }))).toMatchObject({ body: 'How refunds work' });
    expect(ok(await rpc('widgets.cards.reorder', { clientToken, ids: [card.id] }))).toEqual([expect.objectContaining({ id: card.id, position: 0 })]);
    const tab = ok(await rpc('tabs.create', { clientToken, type: 'home', title: 'Home' }), 201) as Element;
    expect(ok(await rpc('tabs.update', { clientToken, id: tab.id, title: 'Start' }))).toMatchObject({ title: 'Start' });
    expect(ok(await rpc('tabs.reorder', { clientToken, ids: [tab.id] }))).toEqual([expect.objectContaining({ id: tab.id })]);
    expect(ok(await rpc('widgets.fetch', { clientToken }, undefined))).toMatchObject({ name: 'RPC 2', cards: [{ id: card.id }], tabs: [{ id: tab.id }] });
    expect(ok(await rpc('tabs.delete', { clientToken, id: tab.id }))).toEqual({ id: tab.id, deleted: true });
    expect(ok(await rpc('widgets.cards.remove', { clientToken, id: card.id }))).toEqual({ id: card.id, deleted: true });
    expect(ok(await rpc('widgets.delete', { clientToken }))).toEqual({ token: clientToken, deleted: true });
    const audit = await api.runtime.db.knex('audit_events').where({ organization_id: a.organizationId }).whereIn('resource_id', [String(created.id), card.id, tab.id]).orderBy('created_at').pluck('action');
    expect(audit).toEqual([
      'widgets.create', 'widgets.update', 'widgets.cards.add', 'widgets.cards.update', 'widgets.cards.reorder', 'tabs.create', 'tabs.update',
      'tabs.reorder', 'tabs.delete', 'widgets.cards.remove', 'widgets.delete',
    ]);
  });

  it('keeps positions 0…n-1: added last, reordered as told, the gap closed on removal', async () => {
    const { client_token: ct } = await create();
    const [x, y, z] = [await addCard(ct, 'x'), await addCard(ct, 'y'), await addCard(ct, 'z')];
    expect([x.position, y.position, z.position]).toEqual([0, 1, 2]);
    await api.call(admin, 'PUT', `/v2/widgets/${ct}/cards`, { ids: [z.id, x.id, y.id] });
    await api.call(admin, 'DELETE', `/v2/widgets/${ct}/cards/${x.id}`);
    const shown = ok(await api.call(undefined, 'GET', `/v2/widgets/${ct}`)) as Widget;
    expect(shown.cards.map((c) => [c.title, c.position])).toEqual([['z', 0], ['y', 1]]);
  });

  it('refuses a reorder that does not name every element exactly once, naming the problem', async () => {
    const { client_token: ct } = await create();
    const [x, y] = [await addCard(ct, 'x'), await addCard(ct, 'y')];
    const tab = ok(await api.call(admin, 'POST', `/v2/widgets/${ct}/tabs`, { type: 'chat', title: 'Chat' }), 201) as Element;
    const { client_token: otherCt } = await create();
    const foreign = await addCard(otherCt, 'elsewhere');
    const stranger = randomUUID();
    const cases: Array<[string[], Array<{ field: string; message: string }>]> = [
      [[x.id, x.id, y.id], [{ field: 'ids[1]', message: `names ${x.id} more than once` }]],
      [[x.id], [{ field: 'ids', message: `must name every widget card of the widget once; missing ${y.id}` }]],
      [[x.id, y.id, stranger], [{ field: 'ids[2]', message: `${stranger} is not a widget card of this widget` }]],
      [[x.id, foreign.id], [
        { field: 'ids[1]', message: `${foreign.id} is not a widget card of this widget` },
        { field: 'ids', message: `must name every widget card of the widget once; missing ${y.id}` },
      ]],
      [[tab.id, x.id, y.id], [{ field: 'ids[0]', message: `${tab.id} is not a widget card of this widget` }]],
    ];
    for (const [ids, fields] of cases) {
      expect(refused(await api.call(admin, 'PUT', `/v2/widgets/${ct}/cards`, { ids })), JSON.stringify(ids)).toEqual([400, 'validation_failed', fields]);
    }
    expect(refused(await api.call(admin, 'PUT', `/v2/widgets/${ct}/tabs`, { ids: [x.id] }))).toEqual([400, 'validation_failed', [
      { field: 'ids[0]', message: `${x.id} is not a tab of this widget` },
      { field: 'ids', message: `must name every tab of the widget once; missing ${tab.id}` },
    ]]);
    expect(refused(await api.call(admin, 'PUT', `/v2/widgets/${ct}/cards`, { ids: [] }))).toEqual([400, 'validation_failed', [{ field: 'ids', message: 'must name at least one id' }]]);
    const unchanged = ok(await api.call(undefined, 'GET', `/v2/widgets/${ct}`)) as Widget;
    expect(unchanged.cards.map((c) => c.id)).toEqual([x.id, y.id]);
  });

  it('validates what is stored: origins, link urls, the pre-chat form, NUL and oversized strings', async () => {
    const { client_token: ct } = await create();
    const form = ok(await api.call(admin, 'POST', '/v2/forms', { name: 'Pre-chat', fields: [{ key: 'email', label: 'Email', type: 'email' }] }), 201) as { id: string };
    const foreignForm = ok(await api.call(b.identity('admin'), 'POST', '/v2/forms', { name: 'B form', fields: [{ key: 'email', label: 'Email', type: 'email' }] }), 201) as { id: string };
    const field = (res: ApiResponse) => [res.status, res.body.error, res.body.details?.fields?.[0]?.field];
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v2/widgets', { name: 'x', allowed_origins: ['https://a.example/path'] }, 'allowed_origins[0]'],
      ['POST', '/v2/widgets', { name: 'x', allowed_origins: [] }, 'allowed_origins'],
      ['POST', '/v2/widgets', { name: 'x\u0000y', allowed_origins: origins }, 'name'],
      ['POST', '/v2/widgets', { name: 'x'.repeat(101), allowed_origins: origins }, 'name'],
      ['POST', '/v2/widgets', { name: 'x', allowed_origins: origins, config: { pre_chat_form_id: foreignForm.id } }, 'config.pre_chat_form_id'],
      ['PATCH', `/v2/widgets/${ct}`, { config: { theme: { color: 'red' } } }, 'config.theme.color'],
      ['PATCH', `/v2/widgets/${ct}`, {}, '(body)'],
      ['POST', `/v2/widgets/${ct}/cards`, { type: 'link', title: 'No url' }, 'url'],
      ['POST', `/v2/widgets/${ct}/cards`, { type: 'text', title: 'x', url: 'http://insecure.example' }, 'url'],
      ['POST', `/v2/widgets/${ct}/cards`, { type: 'text', title: 'x', translations: { 'not a locale': { title: 'x' } } }, 'translations.not a locale'],
      ['POST', `/v2/widgets/${ct}/tabs`, { type: 'link', title: 'No url' }, 'url'],
      ['POST', `/v2/widgets/${ct}/tabs`, { type: 'chat', title: 'x'.repeat(41) }, 'title'],
    ];
    for (const [method, path, body, expected] of cases) {
      expect(field(await api.call(admin, method, path, body)), `${method} ${path} ${JSON.stringify(body).slice(0, 80)}`).toEqual([400, 'validation_failed', expected]);
    }
    // A text card turned into a link card needs its url then.
    const card = await addCard(ct, 'plain');
    expect(field(await api.call(admin, 'PATCH', `/v2/widgets/${ct}/cards/${card.id}`, { type: 'link' }))).toEqual([400, 'validation_failed', 'url']);
    expect(ok(await api.call(admin, 'PATCH', `/v2/widgets/${ct}`, { config: { pre_chat_form_id: form.id } }))).toMatchObject({ config: { pre_chat_form_id: form.id } });
  });

  it('answers 404 not_found for an unknown or malformed client token, and for path variants that name none', async () => {
    const { client_token: ct } = await create();
    const unknown = `wgt_${'A'.repeat(24)}`;
    for (const path of [`/v2/widgets/${unknown}`, '/v2/widgets/wgt_short', `/v2/widgets/${ct.toUpperCase().replace('WGT_', 'wgt_')}x`, `/v2/widgets/${randomUUID()}`, `/v2/widgets/${ct}%00`, `/V2/WIDGETS/${ct}`]) {
      const res = await api.call(undefined, 'GET', path);
      expect([res.status, res.body.error], path).toEqual([404, 'not_found']);
    }
    expect(ok(await api.call(undefined, 'GET', `/v2/widgets/${ct}/`))).toMatchObject({ client_token: ct });
    expect(refused(await api.call(undefined, 'POST', '/v1/widgets.fetch', { clientToken: unknown }))).toEqual([404, 'not_found', undefined]);
    expect(refused(await api.call(admin, 'PATCH', `/v2/widgets/${unknown}`, { name: 'x' }))).toEqual([404, 'not_found', undefined]);
    expect(refused(await api.call(admin, 'DELETE', `/v2/widgets/${ct}/cards/${randomUUID()}`))).toEqual([404, 'not_found', undefined]);
  });

  it("another organization's admin gets not_found for every admin operation, REST and RPC, and changes nothing", async () => {
    const widget = await create();
    const ct = widget.client_token;
    const card = await addCard(ct, 'mine');
    const tab = ok(await api.call(admin, 'POST', `/v2/widgets/${ct}/tabs`, { type: 'chat', title: 'Chat' }), 201) as Element;
    const intruder = b.identity('admin');
    const attempts: Array<[string, string, string, Record<string, unknown> | undefined, Record<string, unknown>]> = [
      ['widgets.update', 'PATCH', `/v2/widgets/${ct}`, { name: 'Taken' }, { clientToken: ct, name: 'Taken' }],
      ['widgets.delete', 'DELETE', `/v2/widgets/${ct}`, undefined, { clientToken: ct }],
      ['widgets.cards.add', 'POST', `/v2/widgets/${ct}/cards`, { type: 'text', title: 'x' }, { clientToken: ct, type: 'text', title: 'x' }],
      ['widgets.cards.update', 'PATCH', `/v2/widgets/${ct}/cards/${card.id}`, { title: 'x' }, { clientToken: ct, id: card.id, title: 'x' }],
      ['widgets.cards.remove', 'DELETE', `/v2/widgets/${ct}/cards/${card.id}`, undefined, { clientToken: ct, id: card.id }],
      ['widgets.cards.reorder', 'PUT', `/v2/widgets/${ct}/cards`, { ids: [card.id] }, { clientToken: ct, ids: [card.id] }],
      ['tabs.create', 'POST', `/v2/widgets/${ct}/tabs`, { type: 'chat', title: 'x' }, { clientToken: ct, type: 'chat', title: 'x' }],
      ['tabs.update', 'PATCH', `/v2/widgets/${ct}/tabs/${tab.id}`, { title: 'x' }, { clientToken: ct, id: tab.id, title: 'x' }],
      ['tabs.delete', 'DELETE', `/v2/widgets/${ct}/tabs/${tab.id}`, undefined, { clientToken: ct, id: tab.id }],
      ['tabs.reorder', 'PUT', `/v2/widgets/${ct}/tabs`, { ids: [tab.id] }, { clientToken: ct, ids: [tab.id] }],
    ];
    for (const [name, method, path, body, args] of attempts) {
      expect(refused(await api.call(intruder, method, path, body)), `${name} REST`).toEqual([404, 'not_found', undefined]);
      expect(refused(await api.call(intruder, 'POST', `/v1/${name}`, args)), `${name} RPC`).toEqual([404, 'not_found', undefined]);
    }
    expect(ok(await api.call(intruder, 'GET', `/v2/widgets?client_token=${ct}`))).toEqual([]);
    // B's own widget does not reach A's card or tab by id either.
    const { client_token: own } = await create(intruder);
    expect(refused(await api.call(intruder, 'PATCH', `/v2/widgets/${own}/cards/${card.id}`, { title: 'x' }))).toEqual([404, 'not_found', undefined]);
    expect(refused(await api.call(intruder, 'DELETE', `/v2/widgets/${own}/tabs/${tab.id}`))).toEqual([404, 'not_found', undefined]);
    const after = ok(await api.call(admin, 'GET', `/v2/widgets?client_token=${ct}`)) as Widget[];
    expect(after).toEqual([{ ...widget, cards: [card], tabs: [tab], updated_at: expect.any(String) }]);
  });

  it('refuses roles below admin and visitor sessions (403 insufficient_scope); the public read needs nothing', async () => {
    const { client_token: ct } = await create();
    const card = await addCard(ct, 'x');
    const visitorId = randomUUID();
    await api.runtime.db.knex('visitors').insert({
      id: visitorId, organization_id: a.organizationId, token: `vis_${'v'.repeat(24)}`, secret_hash: `hash-${visitorId}`, context: {},
    });
    const callers: Array<[string, Identity]> = [
      ...(['guest', 'agent', 'bot'] as const).map((role) => [role, a.identity(role)] as [string, Identity]),
      ['visitor', a.identity('guest', { kind: 'visitor', sub: visitorId })],
    ];
    const calls: Array<[string, string, unknown]> = [
      ['GET', '/v2/widgets', undefined],
      ['POST', '/v2/widgets', { name: 'x', allowed_origins: origins }],
      ['PATCH', `/v2/widgets/${ct}`, { name: 'x' }],
      ['DELETE', `/v2/widgets/${ct}`, undefined],
      ['POST', `/v2/widgets/${ct}/cards`, { type: 'text', title: 'x' }],
      ['PATCH', `/widgets/${ct}/cards/${card.id}`, { title: 'x' }],
      ['DELETE', `/widgets/${ct}/cards/${card.id}`, undefined],
      ['PUT', `/v2/widgets/${ct}/cards`, { ids: [card.id] }],
      ['POST', `/v2/widgets/${ct}/tabs`, { type: 'chat', title: 'x' }],
      ['POST', '/v1/widgets.cards.add', { clientToken: ct, type: 'text', title: 'x' }],
      ['POST', '/v1/tabs.create', { clientToken: ct, type: 'chat', title: 'x' }],
    ];
    for (const [who, identity] of callers) {
      for (const [method, path, body] of calls) {
        expect(refused(await api.call(identity, method, path, body)), `${who} ${method} ${path}`).toEqual([403, 'insufficient_scope', undefined]);
      }
      expect(ok(await api.call(identity, 'GET', `/v2/widgets/${ct}`)), who).toMatchObject({ client_token: ct });
    }
  });
});

describe('the public widget read: ETag, Cache-Control, 304', () => {
  let api: ApiHarness;
  let ct: string;
  let admin: Identity;

  beforeAll(async () => {
    api = await startApiHarness();
    const tenant = await api.tenant();
    admin = tenant.identity('admin');
    const created = await api.call(admin, 'POST', '/v2/widgets', { name: 'Cached', allowed_origins: origins });
    ct = (created.body.data as Widget).client_token;
  });
  afterAll(() => api.close());

  const get = (headers: Record<string, string> = {}, path = `/v2/widgets/${ct}`) => fetch(`${api.url}${path}`, { headers });

  it('tags the exact bytes served with a strong ETag and allows a minute of caching', async () => {
    const res = await get();
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('etag')).toBe(`"${createHash('sha256').update(text).digest('base64url')}"`);
    const unversioned = await get({}, `/widgets/${ct}`);
    expect(unversioned.headers.get('etag')).toBe(res.headers.get('etag'));
    expect(await unversioned.text()).toBe(text);
  });

  it('answers If-None-Match per RFC 9110 §13.1.2', async () => {
    const etag = (await get()).headers.get('etag')!;
    const cases: Array<[string, number]> = [
      [etag, 304],
      [`W/${etag}`, 304],
      [`"nope", ${etag}`, 304],
      [`"nope",${etag}, "other"`, 304],
      ['*', 304],
      [' * ', 304],
      ['"nope"', 200],
      [etag.slice(1, -1), 200],
      ['', 200],
      ['garbage', 200],
    ];
    for (const [header, status] of cases) {
      const res = await get({ 'if-none-match': header });
      const body = await res.text();
      expect(res.status, header).toBe(status);
      expect(res.headers.get('etag'), header).toBe(etag);
      expect(res.headers.get('cache-control'), header).toBe('public, max-age=60');
      if (status === 304) expect(body, header).toBe('');
      else expect(JSON.parse(body)).toMatchObject({ ok: true, data: { client_token: ct } });
    }
  });

  it('changes the ETag when the widget, a card or a tab changes, and never answers 304 with the old one', async () => {
    const tags = [(await get()).headers.get('etag')!];
    const steps: Array<() => Promise<ApiResponse>> = [
      () => api.call(admin, 'PATCH', `/v2/widgets/${ct}`, { config: { greeting: 'Hi' } }),
      () => api.call(admin, 'POST', `/v2/widgets/${ct}/cards`, { type: 'text', title: 'Hours' }),
      () => api.call(admin, 'POST', `/v2/widgets/${ct}/tabs`, { type: 'chat', title: 'Chat' }),
    ];
    for (const step of steps) {
      expect((await step()).status).toBeLessThan(300);
      const res = await get({ 'if-none-match': tags[tags.length - 1]! });
      expect(res.status).toBe(200);
      tags.push(res.headers.get('etag')!);
    }
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('over RPC (a POST) answers a matching If-None-Match with 412, never 304 (RFC 9110 §13.1.2); the rest as usual', async () => {
    const etag = (await get()).headers.get('etag')!;
    const rpc = (header: string, clientToken = ct) =>
      fetch(`${api.url}/v1/widgets.fetch`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-none-match': header }, body: JSON.stringify({ clientToken }) });
    const cases: Array<[string, number, string | undefined]> = [
      [etag, 412, 'precondition_failed'],
      [`"nope", W/${etag}`, 412, 'precondition_failed'],
      ['*', 412, 'precondition_failed'],
      ['"nope"', 200, undefined],
      ['garbage', 200, undefined],
    ];
    for (const [header, status, error] of cases) {
      const res = await rpc(header);
      const body = (await res.json()) as { ok: boolean; error?: string; data?: { client_token: string } };
      expect([res.status, body.ok, body.error, res.headers.get('etag')], header).toEqual([status, status === 200, error, etag]);
      if (status === 412) expect(res.headers.get('cache-control'), header).toBeNull();
      else expect(body.data?.client_token, header).toBe(ct);
    }
    const unknown = await rpc('*', `wgt_${'Z'.repeat(24)}`);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([404, 'not_found']);
  });

  it('answers 404 (not 304) to If-None-Match: * for an unknown or deleted widget', async () => {
    const res = await get({ 'if-none-match': '*' }, `/v2/widgets/wgt_${'Z'.repeat(24)}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('widgets through the gateway', () => {
  let gatehouse: TestGatehouse;
  const keys: Record<'a' | 'b', string> = { a: '', b: '' };

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const knex = gatehouse.runtime.db.knex;
    for (const name of ['a', 'b'] as const) {
      const organization = await insertOrganization(knex, { name: `Gateway widgets ${name}` });
      const user = await insertUser(knex, { email: `admin-${randomUUID().slice(0, 8)}@example.test`, name: 'admin', passwordHash: null, isBot: false });
      await insertMembership(knex, { userId: user.id, organizationId: organization.id, role: 'admin' });
      const { key } = await issueApiKey(
        knex,
        { organizationId: organization.id, userId: user.id, creatorRole: 'admin', name: 'admin key', scopes: ['admin'], expiresAt: undefined },
        { hashSecret: gatehouse.runtime.secrets.derive('api-key-hash'), maxLifetimeDays: 30, now: Date.now() },
      );
      keys[name] = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    }
  });
  afterAll(() => gatehouse.stop());

  const send = (method: string, path: string, init: { auth?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${gatehouse.url}${path}`, {
      method,
      headers: { ...(init.auth ? { authorization: init.auth } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  it('passes the public read through without credentials, keeping ETag, Cache-Control and the 304', async () => {
    const created = await send('POST', '/v2/widgets', { auth: keys.a, body: { name: 'Through', allowed_origins: origins } });
    expect(created.status).toBe(201);
    const ct = ((await created.json()) as { data: Widget }).data.client_token;
    expect((await send('POST', `/v2/widgets/${ct}/cards`, { auth: keys.a, body: { type: 'text', title: 'Hi' } })).status).toBe(201);

    for (const path of [`/v2/widgets/${ct}`, `/widgets/${ct}`]) {
      const res = await send('GET', path);
      const text = await res.text();
      expect(res.status, path).toBe(200);
      expect(JSON.parse(text), path).toMatchObject({ ok: true, data: { client_token: ct, cards: [{ title: 'Hi' }] } });
      const etag = res.headers.get('etag')!;
      expect(etag, path).toBe(`"${createHash('sha256').update(text).digest('base64url')}"`);
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=60');
      for (const header of [etag, `"x", W/${etag}`, '*']) {
        const again = await send('GET', path, { headers: { 'if-none-match': header } });
        expect([again.status, await again.text(), again.headers.get('etag'), again.headers.get('cache-control')], `${path} ${header}`)
          .toEqual([304, '', etag, 'public, max-age=60']);
      }
    }
    const rpc = await send('POST', '/v1/widgets.fetch', { body: { clientToken: ct } });
    expect([rpc.status, ((await rpc.json()) as { data: Widget }).data.client_token]).toEqual([200, ct]);
    // RFC 9110 §13.1.2: the RPC call is a POST, so a matching If-None-Match is a 412, never a 304.
    const etag = rpc.headers.get('etag')!;
    const conditional = await send('POST', '/v1/widgets.fetch', { body: { clientToken: ct }, headers: { 'if-none-match': etag } });
    expect([conditional.status, ((await conditional.json()) as { error: string }).error, conditional.headers.get('etag')]).toEqual([412, 'precondition_failed', etag]);
    const unknown = await send('GET', `/v2/widgets/wgt_${'X'.repeat(24)}`);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([404, 'not_found']);
  });

  it('keeps every other widget operation behind credentials, and organizations apart', async () => {
    const created = await send('POST', '/v2/widgets', { auth: keys.a, body: { name: 'Private', allowed_origins: origins } });
    const ct = ((await created.json()) as { data: Widget }).data.client_token;
    for (const [method, path, body] of [
      ['GET', '/v2/widgets', undefined], ['PATCH', `/v2/widgets/${ct}`, { name: 'x' }], ['DELETE', `/widgets/${ct}`, undefined],
      ['POST', `/v2/widgets/${ct}/cards`, { type: 'text', title: 'x' }], ['POST', '/v1/tabs.create', { clientToken: ct, type: 'chat', title: 'x' }],
    ] as const) {
      const res = await send(method, path, { body });
      expect([res.status, ((await res.json()) as { error: string }).error], `${method} ${path}`).toEqual([401, 'invalid_auth']);
      const other = await send(method === 'GET' ? 'GET' : method, path, { auth: keys.b, body });
      if (method !== 'GET') expect([other.status, ((await other.json()) as { error: string }).error], `B ${method} ${path}`).toEqual([404, 'not_found']);
    }
    const listed = await send('GET', `/v2/widgets?client_token=${ct}`, { auth: keys.b });
    expect(((await listed.json()) as { data: unknown[] }).data).toEqual([]);
    const own = await send('GET', `/v2/widgets?client_token=${ct}`, { auth: keys.a });
    expect(((await own.json()) as { data: Widget[] }).data.map((w) => w.name)).toEqual(['Private']);
  });
});
