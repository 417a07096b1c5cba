import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { addVisitor, addWidget, ok, outbox, refused, startConversation, text, type Visitor } from './chat-fixtures.js';

// Seed 002 "Conversations" by their literal paths (both prefixes) and over RPC, seed 000's
// conversation history, the participant rule, tags in the caller's language, the life cycle
// (assign, tag, close, reopen, rate) and what each records.

const TOKEN = /^cnv_[A-Za-z0-9]{24}$/;

describe('conversations', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let visitor: Visitor;
  let otherVisitor: Visitor;
  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Chat A');
    b = await api.tenant('Chat B');
    visitor = await addVisitor(api, a);
    otherVisitor = await addVisitor(api, a, undefined, 'Otto Other');
  });
  afterAll(() => api.close());

  it.each(['/v2', ''])('seed 002 paths under "%s": create, list, fetch, messages, rate', async (prefix) => {
    const agent = a.identity('agent');
    const created = ok(await api.call(agent, 'POST', `${prefix}/conversations`, { visitor_token: visitor.token, subject: 'Card blocked' }), 201);
    expect(created.token).toMatch(TOKEN);
    const token = String(created.token);
    expect(created).toMatchObject({ visitor_token: visitor.token, widget_client_token: visitor.clientToken, status: 'open', subject: 'Card blocked', messages: [], last_event_seq: 1 });

    const list = ok(await api.call(agent, 'GET', `${prefix}/conversations`)) as unknown as { token: string }[];
    expect(list.map((row) => row.token)).toContain(token);

    const details = ok(await api.call(agent, 'GET', `${prefix}/conversations/${token}`));
    expect(details).toMatchObject({ token, messages: [], tags: [], summary: null, visitor: { token: visitor.token, name: 'Vera Visitor', context: { page: '/pricing' } } });

    ok(await api.call(agent, 'POST', `${prefix}/conversations/${token}/messages`, { content: text('Hello') }), 201);
    const history = await api.call(agent, 'GET', `${prefix}/conversations/${token}/messages`);
    expect(history.body).toMatchObject({ ok: true, next_cursor: null, data: [{ text: 'Hello', seq: 2, author: { type: 'agent', id: a.users.agent.id } }] });

    const rated = ok(await api.call(visitor.identity, 'POST', `${prefix}/conversations/${token}/rate`, { score: 5, comment: 'Quick' }));
    expect(rated).toMatchObject({ token, rating: { score: 5, comment: 'Quick' } });
  });

  it('every operation answers over RPC too', async () => {
    const admin = a.identity('admin');
    const token = String(ok(await api.call(admin, 'POST', '/v1/conversations.create', { visitor_token: visitor.token, message: { content: text('First') } }), 201).token);
    expect(ok(await api.call(admin, 'POST', '/v1/conversations.fetch', { token }))).toMatchObject({ token, messages: [{ text: 'First' }] });
    const history = await api.call(admin, 'POST', '/v1/conversations.history', { token, limit: 10 });
    expect(history.body).toMatchObject({ ok: true, data: [{ text: 'First' }] });
    expect(ok(await api.call(admin, 'POST', '/v1/messages.create', { token, content: text('Second') }), 201)).toMatchObject({ text: 'Second', seq: 3 });
    expect(ok(await api.call(admin, 'POST', '/v1/conversations.update', { token, summary: 'Sorted' }))).toMatchObject({ summary: 'Sorted' });
    expect(ok(await api.call(visitor.identity, 'POST', '/v1/conversations.rate', { token, score: 2 }))).toMatchObject({ rating: { score: 2 } });
    const list = ok(await api.call(admin, 'POST', '/v1/conversations.list', { visitor: visitor.token, limit: 100 })) as unknown as { token: string }[];
    expect(list.map((row) => row.token)).toContain(token);
    expect(ok(await api.call(admin, 'POST', '/v1/conversations.delete', { token }))).toEqual({ token, deleted: true });
  });

  it('a visitor session starts its own conversation on its own widget, with a first message; events are numbered', async () => {
    const res = await api.call(visitor.identity, 'POST', '/v2/conversations', { message: { content: text('Is anyone there?'), client_message_id: 'm-1' } });
    const data = ok(res, 201);
    expect(data).toMatchObject({
      visitor_token: visitor.token, widget_client_token: visitor.clientToken, assignee_id: null, last_event_seq: 2,
      messages: [{ seq: 2, text: 'Is anyone there?', client_message_id: 'm-1', author: { type: 'visitor', id: visitor.token, name: 'Vera Visitor' } }],
    });
    expect(data.last_message_at).not.toBeNull();
    const events = await outbox(api, String(data.token));
    expect(events.map((event) => [event.type, event.seq])).toEqual([['chat.started', 1], ['message.created', 2]]);
    expect(events[0]!.data).toMatchObject({ token: data.token, visitor_token: visitor.token });
    // It cannot start one for another visitor.
    const other = await api.call(visitor.identity, 'POST', '/v2/conversations', { visitor_token: otherVisitor.token });
    expect(refused(other)).toEqual([400, 'validation_failed', 'visitor_token']);
  });

  it('an agent names a visitor of its organization, or none; a group must be of the organization', async () => {
    const none = ok(await api.call(a.identity('agent'), 'POST', '/v2/conversations', {}), 201);
    expect(none).toMatchObject({ visitor_token: null, widget_client_token: null, visitor: null });
    const foreign = await addVisitor(api, b);
    expect(refused(await api.call(a.identity('agent'), 'POST', '/v2/conversations', { visitor_token: foreign.token }))).toEqual([400, 'validation_failed', 'visitor_token']);
    const groupB = ok(await api.call(b.identity('admin'), 'POST', '/v2/organization-groups', { name: 'B group' }), 201);
    expect(refused(await api.call(a.identity('agent'), 'POST', '/v2/conversations', { group_id: groupB.id }))).toEqual([400, 'validation_failed', 'group_id']);
    expect(refused(await api.call(a.identity('agent'), 'POST', '/v2/conversations', { message: { content: { type: 'text', text: '' } } })))
      .toEqual([400, 'validation_failed', 'message.content.text']);
    expect(refused(await api.call(a.identity('guest'), 'POST', '/v2/conversations', {})).slice(0, 2)).toEqual([403, 'insufficient_scope']);
  });

  describe('the participant rule: a guest user or a visitor reaches only its own conversations (404 otherwise)', () => {
    let token: string;
    let guestParticipant: Identity;
    beforeAll(async () => {
      token = await startConversation(api, a, visitor);
      // A second guest user of A who takes part in the conversation.
      const created = ok(await api.call(a.identity('admin'), 'POST', '/v2/users', { email: `guest-${Date.now()}@example.test`, name: 'Gus Guest', role: 'guest' }), 201);
      guestParticipant = a.identity('guest', { sub: String(created.id) });
      const conversation = await api.runtime.db.knex('conversations').where({ token }).first('id');
      await api.runtime.db.knex('conversation_participants').insert({ conversation_id: conversation.id, user_id: created.id });
    });

    const nested = (t: string) => [
      ['GET', `/v2/conversations/${t}`, undefined, 'conversations.fetch', {}],
      ['GET', `/conversations/${t}`, undefined, 'conversations.fetch', {}],
      ['GET', `/v2/conversations/${t}/messages`, undefined, 'conversations.history', {}],
      ['GET', `/conversations/${t}/messages`, undefined, 'conversations.history', {}],
      ['POST', `/v2/conversations/${t}/messages`, { content: text('Hi') }, 'messages.create', { content: text('Hi') }],
      ['POST', `/conversations/${t}/messages`, { content: text('Hi') }, 'messages.create', { content: text('Hi') }],
      ['POST', `/v2/conversations/${t}/rate`, { score: 3 }, 'conversations.rate', { score: 3 }],
      ['POST', `/conversations/${t}/rate`, { score: 3 }, 'conversations.rate', { score: 3 }],
    ] as const;

    // The live stream is nested too; a participant's opens (below), an outsider's is refused as JSON.
    const events = (t: string) => [
      ['GET', `/v2/conversations/${t}/events`, undefined, 'conversations.events', {}],
      ['GET', `/conversations/${t}/events`, undefined, 'conversations.events', {}],
    ] as const;

    it('outsiders get 404 not_found on every nested route, REST and RPC', async () => {
      const outsiders: [string, Identity][] = [['guest user', a.identity('guest')], ['another visitor', otherVisitor.identity]];
      for (const [who, identity] of outsiders) {
        for (const [method, path, body, rpc, args] of [...nested(token), ...events(token)]) {
          const rest = await api.call(identity, method, path, body);
          expect([rest.status, rest.body.error], `${who} ${method} ${path}`).toEqual([404, 'not_found']);
          const viaRpc = await api.call(identity, 'POST', `/v1/${rpc}`, { token, ...args });
          expect([viaRpc.status, viaRpc.body.error], `${who} ${rpc}`).toEqual([404, 'not_found']);
        }
      }
      expect(await api.runtime.db.knex('messages').join('conversations', 'conversations.id', 'messages.conversation_id').where('conversations.token', token)).toEqual([]);
    });

    it('participants (its visitor, a guest user who takes part) succeed on every nested route', async () => {
      for (const identity of [visitor.identity, guestParticipant]) {
        for (const [method, path, body] of nested(token)) {
          const res = await api.call(identity, method, path, body);
          expect(res.status, `${identity.kind} ${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        }
      }
      for (const identity of [visitor.identity, guestParticipant]) {
        for (const [, path] of events(token)) {
          const stream = new AbortController();
          const res = await api.open(identity, path, {}, stream.signal);
          expect([res.status, res.headers.get('content-type')], `${identity.kind} ${path}`).toEqual([200, 'text/event-stream; charset=utf-8']);
          stream.abort();
        }
      }
      const authors = await api.call(a.identity('bot'), 'GET', `/v2/messages?conversation=${token}`);
      expect((authors.body.data as { author: { type: string } }[]).map((m) => m.author.type)).toEqual(['visitor', 'visitor', 'agent', 'agent']);
    });

    it('a visitor session calls nothing else: list, update, delete, tags', async () => {
      for (const [method, path, body] of [
        ['GET', '/v2/conversations', undefined], ['PATCH', `/v2/conversations/${token}`, { summary: 'x' }], ['DELETE', `/v2/conversations/${token}`, undefined],
        ['GET', '/v2/tags', undefined], ['GET', '/v2/messages', undefined],
      ] as const) {
        const res = await api.call(visitor.identity, method, path, body);
        expect([res.status, res.body.error], `${method} ${path}`).toEqual([403, 'insufficient_scope']);
      }
    });
  });

  describe('list filters and keyset pages', () => {
    let filterTenant: Tenant;
    const tokens: string[] = [];
    let group: string;
    let widget: { id: string; clientToken: string };
    let vip: Visitor;
    beforeAll(async () => {
      filterTenant = await api.tenant('Filters');
      const admin = filterTenant.identity('admin');
      group = String(ok(await api.call(admin, 'POST', '/v2/organization-groups', { name: 'Billing' }), 201).id);
      ok(await api.call(admin, 'POST', '/v2/tags', { name: 'billing' }), 201);
      widget = await addWidget(api, filterTenant);
      vip = await addVisitor(api, filterTenant, widget);
      for (let i = 0; i < 5; i++) tokens.push(await startConversation(api, filterTenant, i === 0 ? vip : undefined, i === 1 ? { group_id: group } : {}));
      ok(await api.call(admin, 'PATCH', `/v2/conversations/${tokens[2]}`, { assignee_id: filterTenant.users.agent.id, tags: ['billing'] }));
      ok(await api.call(admin, 'PATCH', `/v2/conversations/${tokens[3]}`, { status: 'closed', end_reason: 'resolved' }));
      // Distinct start times, oldest first, so the expected order is the literal list reversed.
      const knex = api.runtime.db.knex;
      for (const [index, token] of tokens.entries()) await knex('conversations').where({ token }).update({ started_at: `2026-11-0${index + 1}T10:00:00Z` });
    });

    const list = async (query: string) =>
      (ok(await api.call(filterTenant.identity('agent'), 'GET', `/v2/conversations?${query}`)) as unknown as { token: string }[]).map((row) => row.token);

    it('filters by every field of the contract', async () => {
      const [t0, t1, t2, t3, t4] = tokens as [string, string, string, string, string];
      expect(await list('')).toEqual([t4, t3, t2, t1, t0]);
      expect(await list('status=closed')).toEqual([t3]);
      expect(await list('status=open')).toEqual([t4, t2, t1, t0]);
      expect(await list(`assignee_id=${filterTenant.users.agent.id}`)).toEqual([t2]);
      expect(await list('assignee_id=none')).toEqual([t4, t3, t1, t0]);
      expect(await list(`group_id=${group}`)).toEqual([t1]);
      expect(await list('tag=billing')).toEqual([t2]);
      expect(await list(`visitor=${vip.token}`)).toEqual([t0]);
      expect(await list(`widget=${widget.clientToken}`)).toEqual([t0]);
      expect(await list('started_after=2026-11-02T10:00:00Z&started_before=2026-11-04T10:00:00Z')).toEqual([t2, t1]);
      expect(refused(await api.call(filterTenant.identity('agent'), 'GET', '/v2/conversations?status=lost'))).toEqual([400, 'validation_failed', 'status']);
    });

    it('pages newest first with a cursor, never repeating or skipping', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api.call(filterTenant.identity('agent'), 'GET', `/v2/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...(ok(res) as unknown as { token: string }[]).map((row) => row.token));
        cursor = res.body.next_cursor ?? null;
      } while (cursor);
      expect(seen).toEqual([...tokens].reverse());
      expect(refused(await api.call(filterTenant.identity('agent'), 'GET', '/v2/conversations?cursor=bogus'))).toEqual([400, 'validation_failed', 'cursor']);
    });
  });

  describe('tags in the caller\'s language (seed 002: locale, else Accept-Language, else the name)', () => {
    let token: string;
    beforeAll(async () => {
      const admin = a.identity('admin');
      ok(await api.call(admin, 'POST', '/v2/tags', { name: 'invoice', labels: { de: 'Rechnung', 'de-CH': 'Rächnig', fr: 'Facture' } }), 201);
      ok(await api.call(admin, 'POST', '/v2/tags', { name: 'urgent' }), 201);
      token = await startConversation(api, a, visitor);
      ok(await api.call(admin, 'PATCH', `/v2/conversations/${token}`, { tags: ['urgent', 'invoice'] }));
    });

    const cases: [string, string, Record<string, string>, string][] = [
      ['no preference', '', {}, 'invoice'],
      ['locale=fr', '?locale=fr', {}, 'Facture'],
      ['locale=de-CH beats the header', '?locale=de-CH', { 'accept-language': 'fr' }, 'Rächnig'],
      ['locale without a label falls back to the header', '?locale=es', { 'accept-language': 'fr' }, 'Facture'],
      ['exact region', '', { 'accept-language': 'de-CH' }, 'Rächnig'],
      ['primary subtag: de-AT reads de', '', { 'accept-language': 'de-AT' }, 'Rechnung'],
      ['first language without a label is skipped', '', { 'accept-language': 'it, fr;q=0.5' }, 'Facture'],
      ['q-values order, not position', '', { 'accept-language': 'fr;q=0.2, de;q=0.9' }, 'Rechnung'],
      ['q=0 means not this one', '', { 'accept-language': 'fr;q=0' }, 'invoice'],
      ['case-insensitive', '', { 'accept-language': 'DE-ch' }, 'Rächnig'],
      ['nothing fits', '', { 'accept-language': 'es, *;q=0.1' }, 'invoice'],
      ['garbage header', '', { 'accept-language': ';;;,q=2,\u00e9' }, 'invoice'],
    ];

    it.each(cases)('%s', async (_name, query, headers, label) => {
      const details = ok(await api.call(visitor.identity, 'GET', `/v2/conversations/${token}${query}`, undefined, headers));
      expect(details.tags).toEqual([{ name: 'invoice', label }, { name: 'urgent', label: 'urgent' }]);
      const listed = ok(await api.call(a.identity('agent'), 'GET', `/v2/conversations?visitor=${visitor.token}&limit=100${query ? `&${query.slice(1)}` : ''}`, undefined, headers));
      const row = (listed as unknown as { token: string; tags: unknown }[]).find((candidate) => candidate.token === token);
      expect(row?.tags).toEqual([{ name: 'invoice', label }, { name: 'urgent', label: 'urgent' }]);
    });

    it('refuses a locale that is no language tag', async () => {
      expect(refused(await api.call(visitor.identity, 'GET', `/v2/conversations/${token}?locale=${encodeURIComponent('<x>')}`))).toEqual([400, 'validation_failed', 'locale']);
    });
  });

  describe('details and history', () => {
    let token: string;
    beforeAll(async () => {
      token = await startConversation(api, a, visitor);
      for (let i = 1; i <= 55; i++) ok(await api.call(i % 2 ? visitor.identity : a.identity('agent'), 'POST', `/v2/conversations/${token}/messages`, { content: text(`m${i}`) }), 201);
      ok(await api.call(a.identity('admin'), 'PATCH', `/v2/conversations/${token}`, { assignee_id: a.users.agent.id }));
    });

    it('fetch carries the latest 50 messages, oldest first, and the assignee', async () => {
      const details = ok(await api.call(a.identity('agent'), 'GET', `/v2/conversations/${token}`));
      const messages = details.messages as { text: string; seq: number }[];
      expect(messages).toHaveLength(50);
      expect(messages[0]).toMatchObject({ text: 'm6', seq: 7 });
      expect(messages[49]).toMatchObject({ text: 'm55', seq: 56 });
      expect(details.assignee).toEqual({ id: a.users.agent.id, name: 'agent user', email: a.users.agent.email });
      expect(details.first_response_at).not.toBeNull();
    });

    it('history pages by cursor, and by after / before sequence numbers', async () => {
      const texts = async (query: string) => {
        const res = await api.call(visitor.identity, 'GET', `/v2/conversations/${token}/messages?${query}`);
        return { texts: (ok(res) as unknown as { text: string }[]).map((m) => m.text), next: res.body.next_cursor ?? null };
      };
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { texts: string[]; next: string | null } = await texts(`limit=20${cursor ? `&cursor=${cursor}` : ''}`);
        all.push(...page.texts);
        cursor = page.next;
      } while (cursor);
      expect(all).toEqual(Array.from({ length: 55 }, (_, i) => `m${i + 1}`));
      expect((await texts('after=50')).texts).toEqual(['m50', 'm51', 'm52', 'm53', 'm54', 'm55']);
      expect((await texts('before=4')).texts).toEqual(['m1', 'm2']);
      expect((await texts('after=10&before=14')).texts).toEqual(['m10', 'm11', 'm12']);
      expect((await texts('after=10&limit=2')).next).not.toBeNull();
      expect(refused(await api.call(visitor.identity, 'GET', `/v2/conversations/${token}/messages?after=-1`))).toEqual([400, 'validation_failed', 'after']);
      expect(refused(await api.call(visitor.identity, 'GET', `/v2/conversations/${token}/messages?cursor=${Buffer.from('seq:x').toString('base64url')}`)))
        .toEqual([400, 'validation_failed', 'cursor']);
    });
  });

  describe('update (admin): assign, group, tags, status, close and reopen', () => {
    let token: string;
    beforeAll(async () => {
      token = await startConversation(api, a, visitor);
      ok(await api.call(a.identity('admin'), 'POST', '/v2/tags', { name: 'refund' }), 201);
      ok(await api.call(a.identity('admin'), 'POST', '/v2/tags', { name: 'card' }), 201);
    });
    const patch = (body: unknown, as = a.identity('admin')) => api.call(as, 'PATCH', `/v2/conversations/${token}`, body);

    it('refuses what the organization does not have, naming the field', async () => {
      const disabled = ok(await api.call(a.identity('admin'), 'POST', '/v2/users', { email: `off-${Date.now()}@example.test`, name: 'Off', role: 'agent' }), 201);
      ok(await api.call(a.identity('admin'), 'PATCH', `/v2/members/${String(disabled.id)}`, { status: 'disabled' }));
      const groupB = ok(await api.call(b.identity('admin'), 'POST', '/v2/organization-groups', { name: 'B only' }), 201);
      ok(await api.call(b.identity('admin'), 'POST', '/v2/tags', { name: 'b-only' }), 201);
      const table: [unknown, string][] = [
        [{ assignee_id: b.users.agent.id }, 'assignee_id'],
        [{ assignee_id: disabled.id }, 'assignee_id'],
        [{ assignee_id: '00000000-0000-4000-8000-000000000000' }, 'assignee_id'],
        [{ group_id: groupB.id }, 'group_id'],
        [{ tags: ['refund', 'b-only'] }, 'tags[1]'],
        [{ tags: ['Not A Tag'] }, 'tags[0]'],
        [{ status: 'closed' }, 'end_reason'],
        [{ end_reason: 'spam' }, 'end_reason'],
        [{ status: 'open', end_reason: 'spam' }, 'end_reason'],
        [{}, '(body)'],
        [{ status: 'archived' }, 'status'],
      ];
      for (const [body, field] of table) expect(refused(await patch(body)), JSON.stringify(body)).toEqual([400, 'validation_failed', field]);
      for (const role of ['guest', 'agent', 'bot'] as const) expect(refused(await patch({ summary: 'x' }, a.identity(role))).slice(0, 2)).toEqual([403, 'insufficient_scope']);
    });

    it('assigns, moves, tags (replacing the set) and closes with a reason; reopening clears it', async () => {
      const group = ok(await api.call(a.identity('admin'), 'POST', '/v2/organization-groups', { name: 'Cards' }), 201);
      const assigned = ok(await patch({ assignee_id: a.users.bot.id, group_id: group.id, tags: ['refund', 'card', 'refund'], subject: 'S', summary: 'Sum' }));
      expect(assigned).toMatchObject({ assignee_id: a.users.bot.id, assignee: { id: a.users.bot.id }, group_id: group.id, subject: 'S', summary: 'Sum' });
      expect((assigned.tags as { name: string }[]).map((t) => t.name)).toEqual(['card', 'refund']);
      expect((ok(await patch({ tags: ['card'] })).tags as { name: string }[]).map((t) => t.name)).toEqual(['card']);

      const closed = ok(await patch({ status: 'closed', end_reason: 'resolved' }));
      expect(closed).toMatchObject({ status: 'closed', end_reason: 'resolved' });
      expect(closed.ended_at).not.toBeNull();
      expect(ok(await patch({ end_reason: 'spam' }))).toMatchObject({ status: 'closed', end_reason: 'spam', ended_at: closed.ended_at });
      const reopened = ok(await patch({ status: 'open' }));
      expect(reopened).toMatchObject({ status: 'open', ended_at: null, end_reason: null });
      expect(ok(await patch({ assignee_id: null, group_id: null, tags: [] }))).toMatchObject({ assignee_id: null, assignee: null, group_id: null, tags: [] });

      const events = await outbox(api, token);
      expect(events.map((event) => [event.type, event.seq])).toEqual([['chat.started', 1], ['chat.ended', 2]]);
      expect(events[1]!.data).toMatchObject({ token, status: 'closed', end_reason: 'resolved', last_event_seq: 2 });
      const audit = await api.runtime.db.knex('audit_events').where({ resource_id: token, action: 'conversations.update' });
      expect(audit).toHaveLength(6);
    });
  });

  describe('rate (seed 002): a new rating overwrites, the old ones stay in history', () => {
    it('keeps every rating, shows the latest, records chat.rated', async () => {
      const token = await startConversation(api, a, visitor);
      ok(await api.call(visitor.identity, 'POST', `/v2/conversations/${token}/rate`, { score: 2, comment: 'Slow' }));
      const second = ok(await api.call(visitor.identity, 'POST', `/v2/conversations/${token}/rate`, { score: 5 }));
      expect(second.rating).toMatchObject({ score: 5, comment: null });
      const details = ok(await api.call(visitor.identity, 'GET', `/v2/conversations/${token}`));
      expect((details.ratings as { score: number; comment: string | null }[]).map((r) => [r.score, r.comment])).toEqual([[2, 'Slow'], [5, null]]);
      expect(details.rating).toMatchObject({ score: 5 });
      expect((await outbox(api, token)).map((event) => [event.type, event.seq])).toEqual([['chat.started', 1], ['chat.rated', 2], ['chat.rated', 3]]);
      for (const [body, field] of [[{ score: 0 }, 'score'], [{ score: 6 }, 'score'], [{ score: 4.5 }, 'score'], [{ score: '5' }, 'score'], [{}, 'score'], [{ score: 3, comment: 'x'.repeat(1001) }, 'comment'], [{ score: 3, stars: 3 }, 'stars']] as const) {
        expect(refused(await api.call(visitor.identity, 'POST', `/v2/conversations/${token}/rate`, body)), JSON.stringify(body)).toEqual([400, 'validation_failed', field]);
      }
    });
  });

  it('delete (admin) removes the conversation with its messages; a second delete is 404', async () => {
    const token = await startConversation(api, a, visitor, { message: { content: text('bye') } });
    for (const role of ['guest', 'agent', 'bot'] as const) {
      expect(refused(await api.call(a.identity(role), 'DELETE', `/v2/conversations/${token}`)).slice(0, 2)).toEqual([403, 'insufficient_scope']);
    }
    expect(ok(await api.call(a.identity('admin'), 'DELETE', `/v2/conversations/${token}`))).toEqual({ token, deleted: true });
    expect(await api.runtime.db.knex('conversations').where({ token })).toEqual([]);
    expect(refused(await api.call(a.identity('admin'), 'DELETE', `/v2/conversations/${token}`)).slice(0, 2)).toEqual([404, 'not_found']);
  });

  it('another organization gets 404 for every operation on a conversation, REST and RPC, and never lists it', async () => {
    const token = await startConversation(api, a, visitor, { message: { content: text('secret') } });
    const intruder = b.identity('admin');
    const calls: [string, string, unknown, string, Record<string, unknown>][] = [
      ['GET', `/v2/conversations/${token}`, undefined, 'conversations.fetch', {}],
      ['GET', `/v2/conversations/${token}/messages`, undefined, 'conversations.history', {}],
      ['PATCH', `/v2/conversations/${token}`, { summary: 'mine' }, 'conversations.update', { summary: 'mine' }],
      ['POST', `/v2/conversations/${token}/rate`, { score: 1 }, 'conversations.rate', { score: 1 }],
      ['POST', `/v2/conversations/${token}/messages`, { content: text('x') }, 'messages.create', { content: text('x') }],
      ['DELETE', `/v2/conversations/${token}`, undefined, 'conversations.delete', {}],
    ];
    for (const [method, path, body, rpc, args] of calls) {
      expect((await api.call(intruder, method, path, body)).status, `${method} ${path}`).toBe(404);
      expect((await api.call(intruder, 'POST', `/v1/${rpc}`, { token, ...args })).status, rpc).toBe(404);
    }
    const visitorOfB = await addVisitor(api, b);
    expect((await api.call(visitorOfB.identity, 'GET', `/v2/conversations/${token}`)).status).toBe(404);
    const listed = ok(await api.call(intruder, 'GET', '/v2/conversations?limit=100')) as unknown as { token: string }[];
    expect(listed.map((row) => row.token)).not.toContain(token);
    const own = ok(await api.call(a.identity('agent'), 'GET', `/v2/conversations/${token}`));
    expect(own).toMatchObject({ summary: null, rating: null, messages: [{ text: 'secret' }] });
  });

  it('path variants and bad input: a malformed token is 404, NUL is 400, an oversized body is 413', async () => {
    const token = await startConversation(api, a, visitor);
    const agent = a.identity('agent');
    for (const path of [`/v2/conversations/${token.toUpperCase()}`, `/v2/conversations/${token}x`, '/v2/conversations/cnv_short', `/v2/conversations/${token.replace('cnv_', 'wgt_')}`]) {
      expect((await api.call(agent, 'GET', path)).status, path).toBe(404);
    }
    expect(refused(await api.call(agent, 'POST', '/v2/conversations', { subject: 'a\u0000b' }))).toEqual([400, 'validation_failed', 'subject']);
    expect(refused(await api.call(agent, 'GET', `/v2/conversations?tag=a%00b`))).toEqual([400, 'validation_failed', 'tag']);
    const big = await api.call(agent, 'POST', '/v2/conversations', { subject: 'x', message: { content: text('y'.repeat(70_000)) } });
    expect([big.status, big.body.error]).toEqual([413, 'payload_too_large']);
    const notJson = await api.call(agent, 'POST', '/v2/conversations', '{"subject":', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
  });
});
