import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type ApiResponse, type Tenant } from '../harness.js';

// Seed 002 "Visitors": `GET /visitors/{token}`, `PATCH /visitors/{token}/context` (geolocation
// removed), plus list (agent) and delete (admin, with their conversations' personal data).
// Visitors are made by the visitor-session endpoint; here they are rows inserted directly.

let counter = 0;
const visitorToken = () => `vis_${randomUUID().replace(/-/g, '').slice(0, 20)}${String(counter++).padStart(4, '0')}`;

describe('visitors', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let widgetToken: string;
  let widgetId: string;

  async function visitor(tenant: Tenant, values: Record<string, unknown> = {}) {
    const id = randomUUID();
    const token = visitorToken();
    await api.runtime.db.knex('visitors').insert({
      id, organization_id: tenant.organizationId, token, secret_hash: `hash-${id}`, context: JSON.stringify({}), ...values,
    });
    return { id, token, session: tenant.identity('guest', { kind: 'visitor', sub: id }) };
  }

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Visitors A');
    b = await api.tenant('Visitors B');
    const widget = await api.call(a.identity('admin'), 'POST', '/v2/widgets', { name: 'Site', allowed_origins: ['https://a.example'] });
    widgetToken = (widget.body.data as { client_token: string }).client_token;
    widgetId = (widget.body.data as { id: string }).id;
  });
  afterAll(() => api.close());

  const ok = (res: ApiResponse, status = 200) => {
    expect([res.status, res.body.ok], JSON.stringify(res.body)).toEqual([status, true]);
    return res.body.data as Record<string, unknown>;
  };
  const refused = (res: ApiResponse) => [res.status, res.body.error];
  const patch = (as: Identity, token: string, context: unknown) => api.call(as, 'PATCH', `/v2/visitors/${token}/context`, { context });

  it.each([['/v2'], ['']])('serves fetch, context update and delete at their literal paths under %s, and list', async (prefix) => {
    const agent = a.identity('agent');
    const v = await visitor(a, { widget_id: widgetId, name: 'Vera', email: 'vera@example.test', context: JSON.stringify({ page: '/pricing' }) });
    expect(ok(await api.call(agent, 'GET', `${prefix}/visitors/${v.token}`))).toEqual({
      token: v.token, organization_id: a.organizationId, widget_client_token: widgetToken, name: 'Vera', email: 'vera@example.test',
      context: { page: '/pricing' }, last_seen_at: expect.any(String), created_at: expect.any(String), updated_at: expect.any(String),
    });
    const updated = ok(await api.call(agent, 'PATCH', `${prefix}/visitors/${v.token}/context`, { context: { plan: 'pro', geo: { country: 'FR' } } }));
    expect([updated.context, updated.dropped]).toEqual([{ page: '/pricing', plan: 'pro' }, ['context.geo']]);
    const listed = ok(await api.call(agent, 'GET', `${prefix}/visitors?q=vera`)) as unknown as Array<{ token: string }>;
    expect(listed.map((row) => row.token)).toEqual([v.token]);
    expect(ok(await api.call(a.identity('admin'), 'DELETE', `${prefix}/visitors/${v.token}`))).toEqual({ token: v.token, deleted: true });
    expect(refused(await api.call(agent, 'GET', `${prefix}/visitors/${v.token}`))).toEqual([404, 'not_found']);
  });

  it('serves every visitor operation over RPC', async () => {
    const agent = a.identity('agent');
    const v = await visitor(a, { name: 'Rpc Visitor' });
    expect(ok(await api.call(agent, 'POST', '/v1/visitors.fetch', { token: v.token }))).toMatchObject({ token: v.token, name: 'Rpc Visitor' });
    expect(ok(await api.call(agent, 'POST', '/v1/visitors.updateContext', { token: v.token, context: { lat: 1, ok: true } })))
      .toMatchObject({ context: { ok: true }, dropped: ['context.lat'] });
    expect((ok(await api.call(agent, 'POST', '/v1/visitors.list', { q: 'Rpc Visitor' })) as unknown as unknown[]).length).toBe(1);
    expect(ok(await api.call(a.identity('admin'), 'POST', '/v1/visitors.delete', { token: v.token }))).toEqual({ token: v.token, deleted: true });
  });

  it('lists oldest first, filtered by widget client token and by name or email, with a cursor', async () => {
    const tenant = await api.tenant();
    const admin = tenant.identity('admin');
    const widget = ok(await api.call(admin, 'POST', '/v2/widgets', { name: 'W', allowed_origins: ['https://w.example'] }), 201) as { id: string; client_token: string };
    const first = await visitor(tenant, { widget_id: widget.id, name: 'Ann 100%', email: 'ann@example.test' });
    const second = await visitor(tenant, { name: 'Bob', email: 'bob@shop.example' });
    const third = await visitor(tenant, { widget_id: widget.id, email: 'carol@example.test' });
    const tokens = async (query: string) => (ok(await api.call(admin, 'GET', `/v2/visitors?${query}`)) as unknown as Array<{ token: string }>).map((row) => row.token);
    expect(await tokens('')).toEqual([first.token, second.token, third.token]);
    expect(await tokens(`widget=${widget.client_token}`)).toEqual([first.token, third.token]);
    expect(await tokens('q=EXAMPLE.test')).toEqual([first.token, third.token]);
    expect(await tokens('q=bob')).toEqual([second.token]);
    expect(await tokens('q=100%25')).toEqual([first.token]);
    expect(await tokens('q=%25')).toEqual([first.token]);
    expect(await tokens(`widget=wgt_${'Q'.repeat(24)}`)).toEqual([]);
    const page = await api.call(admin, 'GET', '/v2/visitors?limit=2');
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const next = await api.call(admin, 'GET', `/v2/visitors?limit=2&cursor=${page.body.next_cursor}`);
    expect((next.body.data as Array<{ token: string }>).map((row) => row.token)).toEqual([third.token]);
    expect(refused(await api.call(admin, 'GET', '/v2/visitors?widget=nope'))).toEqual([400, 'validation_failed']);
  });

  it('strips geolocation keys at any depth, in arrays, in any case; answers the dropped paths', async () => {
    const agent = a.identity('agent');
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string[]]> = [
      [{ location: { city: 'Paris' }, plan: 'pro' }, { plan: 'pro' }, ['context.location']],
      [{ device: { geo: { lat: 48.8 }, os: 'ios' } }, { device: { os: 'ios' } }, ['context.device.geo']],
      [
        { places: [{ lat: 1, lon: 2, name: 'home' }, { Coords: [1, 2] }, 'text', null] },
        { places: [{ name: 'home' }, {}, 'text', null] },
        ['context.places[0].lat', 'context.places[0].lon', 'context.places[1].Coords'],
      ],
      [
        { GEO: 1, Latitude: 2, LNG: 3, Geo_Location: 4, 'geo-location': 5, LONGITUDE: 6, geolocation: 7 },
        {},
        ['context.GEO', 'context.Latitude', 'context.LNG', 'context.Geo_Location', 'context.geo-location', 'context.LONGITUDE', 'context.geolocation'],
      ],
      [{ geoip: 'x', latency: 5, location_hint: 'y', colocation: 'z', lang: 'de' }, { geoip: 'x', latency: 5, location_hint: 'y', colocation: 'z', lang: 'de' }, []],
      [{ a: [[{ lng: 1, keep: true }]] }, { a: [[{ keep: true }]] }, ['context.a[0][0].lng']],
      [{ profile: { address: { location: 'x', street: 'Main St' } }, lat: null }, { profile: { address: { street: 'Main St' } } }, ['context.profile.address.location']],
      [{ location: 'only' }, {}, ['context.location']],
    ];
    for (const [input, context, dropped] of cases) {
      const v = await visitor(a);
      const data = ok(await patch(agent, v.token, input));
      expect([data.context, data.dropped], JSON.stringify(input)).toEqual([context, dropped]);
      const stored = await api.runtime.db.knex('visitors').where({ id: v.id }).first('context');
      expect(stored.context, JSON.stringify(input)).toEqual(context);
    }
    // Neither does the audit trail keep the values.
    const audit = await api.runtime.db.knex('audit_events').where({ organization_id: a.organizationId, action: 'visitors.updateContext' }).pluck('changes');
    expect(JSON.stringify(audit)).not.toMatch(/Paris|48\.8/);
  });

  it('merges as a JSON Merge Patch: objects key by key, null removes, arrays and scalars replace', async () => {
    const v = await visitor(a, { context: JSON.stringify({ a: 1, b: { c: 2, d: 3 }, e: [1, 2], keep: 'yes' }) });
    const data = ok(await patch(a.identity('agent'), v.token, { b: { c: null, f: 4 }, e: [3], a: null, g: 'x', h: { i: null } }));
    expect([data.context, data.dropped]).toEqual([{ b: { d: 3, f: 4 }, e: [3], keep: 'yes', g: 'x', h: {} }, []]);
    // A geolocation key already stored (written by another path) goes at the next update too.
    const old = await visitor(a, { context: JSON.stringify({ coords: [1, 2], name: 'x' }) });
    expect(ok(await patch(a.identity('agent'), old.token, { page: '/' }))).toMatchObject({ context: { name: 'x', page: '/' }, dropped: ['context.coords'] });
  });

  it('bounds the stored context (16 KiB of JSON, 32 levels) and refuses NUL, with a 400 naming the field', async () => {
    const agent = a.identity('agent');
    const v = await visitor(a);
    ok(await patch(agent, v.token, { a: 'x'.repeat(9000) }));
    const big = await patch(agent, v.token, { b: 'y'.repeat(9000) });
    expect([big.status, big.body.error, big.body.details?.fields?.[0]?.field]).toEqual([400, 'validation_failed', 'context']);
    expect(big.body.message).toMatch(/^context: must be at most 16384 bytes as JSON once merged/);
    // Replacing the big value keeps it within the bound.
    ok(await patch(agent, v.token, { a: null, b: 'y'.repeat(9000) }));

    let deep: unknown = 'bottom';
    for (let i = 0; i < 32; i++) deep = { d: deep };
    ok(await patch(agent, v.token, { a: null, b: null, deep: (deep as { d: unknown }).d }));
    const tooDeep = await patch(agent, v.token, { deep });
    expect([tooDeep.status, tooDeep.body.message]).toEqual([400, 'context: must be nested at most 32 levels deep']);
    const veryDeep = await api.call(agent, 'PATCH', `/v2/visitors/${v.token}/context`, `{"context":{"a":${'['.repeat(7000)}${']'.repeat(7000)}}}`, { 'content-type': 'application/json' });
    // Refused before any handler recursion (the body parser gives up first): a 400, never a 500.
    expect([veryDeep.status, veryDeep.body.ok]).toEqual([400, false]);

    for (const context of [{ a: 'x\u0000y' }, { 'k\u0000': 1 }, { a: [{ b: '\u0000' }] }]) {
      const res = await patch(agent, v.token, context);
      expect([res.status, res.body.error], JSON.stringify(context)).toEqual([400, 'validation_failed']);
      expect(res.body.details?.fields?.[0]?.field).toMatch(/^context\./);
    }
    for (const context of [null, [], 'text', 5]) {
      const res = await patch(agent, v.token, context);
      expect([res.status, res.body.error, res.body.details?.fields?.[0]?.field], JSON.stringify(context)).toEqual([400, 'validation_failed', 'context']);
    }
    const proto = await api.call(agent, 'PATCH', `/v2/visitors/${v.token}/context`, '{"context":{"__proto__":{"polluted":true},"x":1}}', { 'content-type': 'application/json' });
    expect([proto.status, proto.body.error, proto.body.details?.fields?.[0]?.field]).toEqual([400, 'validation_failed', '__proto__']);
  });

  it('lets a visitor session fetch and update only itself; it may not list or delete', async () => {
    const me = await visitor(a, { name: 'Me' });
    const other = await visitor(a, { name: 'Other' });
    const foreign = await visitor(b);
    expect(ok(await api.call(me.session, 'GET', `/v2/visitors/${me.token}`))).toMatchObject({ token: me.token, name: 'Me' });
    expect(ok(await api.call(me.session, 'POST', '/v1/visitors.fetch', { token: me.token }))).toMatchObject({ token: me.token });
    expect(ok(await patch(me.session, me.token, { cart: 2, location: 'x' }))).toMatchObject({ context: { cart: 2 }, dropped: ['context.location'] });
    for (const token of [other.token, foreign.token, visitorToken()]) {
      expect(refused(await api.call(me.session, 'GET', `/v2/visitors/${token}`)), token).toEqual([404, 'not_found']);
      expect(refused(await api.call(me.session, 'POST', '/v1/visitors.fetch', { token })), token).toEqual([404, 'not_found']);
      expect(refused(await patch(me.session, token, { x: 1 })), token).toEqual([404, 'not_found']);
    }
    const stored = await api.runtime.db.knex('visitors').where({ id: other.id }).first('context');
    expect(stored.context).toEqual({});
    for (const [method, path, body] of [
      ['GET', '/v2/visitors', undefined], ['POST', '/v1/visitors.list', {}], ['DELETE', `/v2/visitors/${me.token}`, undefined],
      ['POST', '/v1/visitors.delete', { token: me.token }], ['DELETE', `/visitors/${other.token}`, undefined],
    ] as const) {
      expect(refused(await api.call(me.session, method, path, body)), `${method} ${path}`).toEqual([403, 'insufficient_scope']);
    }
    // A visitor of another organization claiming this one's id is no visitor here.
    const forged = b.identity('guest', { kind: 'visitor', sub: me.id });
    expect(refused(await api.call(forged, 'GET', `/v2/visitors/${me.token}`))).toEqual([401, 'invalid_auth']);
  });

  it('holds roles to the matrix (list, fetch, context: agent; delete: admin) and organizations apart', async () => {
    const v = await visitor(a);
    for (const [identity, method, path, body] of [
      [a.identity('guest'), 'GET', '/v2/visitors', undefined],
      [a.identity('guest'), 'GET', `/v2/visitors/${v.token}`, undefined],
      [a.identity('guest'), 'PATCH', `/v2/visitors/${v.token}/context`, { context: { a: 1 } }],
      [a.identity('agent'), 'DELETE', `/v2/visitors/${v.token}`, undefined],
      [a.identity('bot'), 'POST', '/v1/visitors.delete', { token: v.token }],
    ] as const) {
      expect(refused(await api.call(identity, method, path, body)), `${identity.role} ${method} ${path}`).toEqual([403, 'insufficient_scope']);
    }
    const intruder = b.identity('admin');
    for (const [method, path, body] of [
      ['GET', `/v2/visitors/${v.token}`, undefined], ['PATCH', `/v2/visitors/${v.token}/context`, { context: { a: 1 } }],
      ['DELETE', `/v2/visitors/${v.token}`, undefined], ['POST', '/v1/visitors.delete', { token: v.token }],
    ] as const) {
      expect(refused(await api.call(intruder, method, path, body)), `${method} ${path}`).toEqual([404, 'not_found']);
    }
    const listed = ok(await api.call(intruder, 'GET', '/v2/visitors?limit=100')) as unknown as Array<{ token: string }>;
    expect(listed.map((row) => row.token)).not.toContain(v.token);
    expect(refused(await api.call(a.identity('agent'), 'GET', '/v2/visitors/vis_short'))).toEqual([404, 'not_found']);
    const stored = await api.runtime.db.knex('visitors').where({ id: v.id }).first('context');
    expect(stored.context).toEqual({});
  });

  it('deleting a visitor erases what it wrote in its conversations, keeps the rest, and ends its session', async () => {
    const knex = api.runtime.db.knex;
    const v = await visitor(a, { name: 'Erase Me', email: 'erase@example.test' });
    const bystander = await visitor(a);
    const conversation = async (visitorId: string) => {
      const [row] = await knex('conversations').insert({
        organization_id: a.organizationId, token: `cnv_${randomUUID().replace(/-/g, '').slice(0, 24)}`, visitor_id: visitorId, widget_id: widgetId,
        subject: 'My order 123', summary: 'Erase Me asked about order 123', last_event_seq: 2,
      }).returning('id');
      return (row as { id: string }).id;
    };
    const mine = await conversation(v.id);
    const theirs = await conversation(bystander.id);
    const message = (conversationId: string, seq: number, authorType: string, authorId: string, text: string) => ({
      organization_id: a.organizationId, conversation_id: conversationId, seq, author_type: authorType, author_id: authorId, text,
      content: JSON.stringify({ type: 'text', text }),
    });
    await knex('messages').insert([
      message(mine, 1, 'visitor', v.id, 'my phone is 555-0100'),
      message(mine, 2, 'agent', a.users.agent.id, 'Thanks, we will call you'),
      message(theirs, 1, 'visitor', bystander.id, 'unrelated'),
    ]);
    await knex('conversation_ratings').insert({ conversation_id: mine, score: 4, comment: 'Erase Me was happy' });

    const res = ok(await api.call(a.identity('admin'), 'DELETE', `/v2/visitors/${v.token}`));
    expect(res).toEqual({ token: v.token, deleted: true });

    const rows = await knex('messages').whereIn('conversation_id', [mine, theirs]).orderBy(['conversation_id', 'seq']).select('conversation_id', 'author_type', 'text', 'content', 'deleted_at');
    const byConversation = (id: string) => rows.filter((row) => row.conversation_id === id).map(({ author_type, text, content, deleted_at }) => [author_type, text, content, deleted_at === null]);
    expect(byConversation(mine)).toEqual([
      ['visitor', '', null, false],
      ['agent', 'Thanks, we will call you', { type: 'text', text: 'Thanks, we will call you' }, true],
    ]);
    expect(byConversation(theirs)).toEqual([['visitor', 'unrelated', { type: 'text', text: 'unrelated' }, true]]);
    expect(await knex('conversations').where({ id: mine }).first('visitor_id', 'subject', 'summary', 'widget_id'))
      .toEqual({ visitor_id: null, subject: null, summary: null, widget_id: widgetId });
    expect(await knex('conversations').where({ id: theirs }).first('visitor_id', 'subject')).toEqual({ visitor_id: bystander.id, subject: 'My order 123' });
    expect(await knex('conversation_ratings').where({ conversation_id: mine }).select('score', 'comment')).toEqual([{ score: 4, comment: null }]);
    expect(await knex('visitors').where({ id: v.id }).first()).toBeUndefined();
    const audit = await knex('audit_events').where({ action: 'visitors.delete', resource_id: v.id }).first('changes', 'actor_id');
    expect(audit).toEqual({ changes: { token: v.token, erased_messages: 1, unlinked_conversations: 1 }, actor_id: a.users.admin.id });
    expect(refused(await api.call(v.session, 'GET', `/v2/visitors/${v.token}`))).toEqual([401, 'invalid_auth']);
    expect(refused(await api.call(a.identity('admin'), 'DELETE', `/v2/visitors/${v.token}`))).toEqual([404, 'not_found']);
  });
});
