import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { readSse } from '../../helpers/sse.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { addVisitor, ok, refused, startConversation, text, type Visitor } from './chat-fixtures.js';

// Conversation participants (issue 10, DESIGN.md "Conversations"): agents and up add a member of
// the organization to a conversation; a guest user added reads and writes there and nowhere
// else, and is an outsider (404) again once taken out.

describe('conversation participants', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let visitor: Visitor;
  let guest: Identity;
  let guestId: string;
  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Participants A');
    b = await api.tenant('Participants B');
    visitor = await addVisitor(api, a);
    guestId = a.users.guest.id;
    guest = a.identity('guest');
  });
  afterAll(() => api.close());

  const path = (token: string) => `/v2/conversations/${token}/participants`;
  const add = (token: string, userId: string, as: Identity = a.identity('agent')) => api.call(as, 'POST', path(token), { user_id: userId });

  /** What a guest user may do in a conversation, with the status each answers when it may. */
  const reach = (token: string): [string, string, unknown, number][] => [
    ['GET', `/v2/conversations/${token}`, undefined, 200],
    ['GET', `/conversations/${token}/messages`, undefined, 200],
    ['POST', `/v2/conversations/${token}/messages`, { content: text('From the guest') }, 201],
    ['POST', `/conversations/${token}/rate`, { score: 4 }, 200],
  ];

  it('an agent adds a member (201), lists it, and a second add is a 409; RPC names conversations.participants.*', async () => {
    const token = await startConversation(api, a, visitor);
    const added = ok(await add(token, guestId), 201);
    expect(added).toEqual({ user_id: guestId, name: 'guest user', email: a.users.guest.email, role: 'guest', added_at: expect.any(String) });
    expect(refused(await add(token, guestId))).toEqual([409, 'conflict', undefined]);
    const viaRpc = ok(await api.call(a.identity('bot'), 'POST', '/v1/conversations.participants.add', { token, user_id: a.users.bot.id }), 201);
    expect(viaRpc).toMatchObject({ user_id: a.users.bot.id, role: 'bot' });
    const listed = await api.call(a.identity('agent'), 'GET', `${path(token)}?limit=1`);
    expect([listed.body.data, typeof listed.body.next_cursor]).toEqual([[added], 'string']);
    const next = await api.call(a.identity('agent'), 'POST', '/v1/conversations.participants.list', { token, cursor: listed.body.next_cursor });
    expect(next.body).toMatchObject({ ok: true, data: [{ user_id: a.users.bot.id }], next_cursor: null });
    const audit = await api.runtime.db.knex('audit_events').where({ resource_id: token }).whereLike('action', 'conversations.participants.%').orderBy('created_at').pluck('action');
    expect(audit).toEqual(['conversations.participants.add', 'conversations.participants.add']);
  });

  it('refuses, alike and naming user_id, a user of another organization, a disabled member and no user at all', async () => {
    const token = await startConversation(api, a, visitor);
    const disabled = ok(await api.call(a.identity('admin'), 'POST', '/v2/users', { email: `off-${Date.now()}@example.test`, name: 'Off', role: 'guest' }), 201);
    ok(await api.call(a.identity('admin'), 'PATCH', `/v2/members/${String(disabled.id)}`, { status: 'disabled' }));
    for (const userId of [b.users.guest.id, String(disabled.id), '00000000-0000-4000-8000-000000000000']) {
      const res = await add(token, userId);
      expect([...refused(res), res.body.details?.fields?.[0]?.message], userId).toEqual([400, 'validation_failed', 'user_id', 'is not an active member of this organization']);
    }
    expect(refused(await add(token, 'not-a-uuid'))).toEqual([400, 'validation_failed', 'user_id']);
    expect(ok(await api.call(a.identity('agent'), 'GET', path(token)))).toEqual([]);
  });

  it('only agents and up manage participants: a guest user, a participant or not, and a visitor get 403', async () => {
    const token = await startConversation(api, a, visitor);
    ok(await add(token, guestId), 201);
    for (const identity of [guest, visitor.identity]) {
      for (const [method, url, body] of [['GET', path(token), undefined], ['POST', path(token), { user_id: guestId }], ['DELETE', `${path(token)}/${guestId}`, undefined]] as const) {
        expect(refused(await api.call(identity, method, url, body)).slice(0, 2), `${identity.kind} ${method}`).toEqual([403, 'insufficient_scope']);
      }
    }
  });

  it('a guest user added reads and writes in that conversation and nothing else; taken out, it is an outsider again', async () => {
    const token = await startConversation(api, a, visitor, { message: { content: text('Hello') } });
    const other = await startConversation(api, a, visitor);
    for (const [method, url, body] of reach(token)) expect(refused(await api.call(guest, method, url, body)).slice(0, 2), `before: ${method} ${url}`).toEqual([404, 'not_found']);

    ok(await add(token, guestId), 201);
    for (const [method, url, body, status] of reach(token)) expect((await api.call(guest, method, url, body)).status, `${method} ${url}`).toBe(status);
    const history = ok(await api.call(guest, 'GET', `/v2/conversations/${token}/messages`)) as unknown as { text: string; author: { type: string; id: string } }[];
    expect(history.map((m) => [m.text, m.author.type, m.author.id])).toEqual([['Hello', 'agent', a.users.agent.id], ['From the guest', 'agent', guestId]]);
    for (const [method, url, body] of reach(other)) expect(refused(await api.call(guest, method, url, body)).slice(0, 2), `other: ${method} ${url}`).toEqual([404, 'not_found']);
    for (const [method, url] of [['GET', '/v2/conversations'], ['GET', '/v2/messages'], ['GET', path(token)], ['GET', '/v2/visitors']] as const) {
      expect(refused(await api.call(guest, method, url)).slice(0, 2), url).toEqual([403, 'insufficient_scope']);
    }

    expect(ok(await api.call(a.identity('agent'), 'DELETE', `${path(token)}/${guestId}`))).toEqual({ id: guestId, deleted: true });
    for (const [method, url, body] of reach(token)) expect(refused(await api.call(guest, method, url, body)).slice(0, 2), `after: ${method} ${url}`).toEqual([404, 'not_found']);
    expect(refused(await api.call(a.identity('agent'), 'DELETE', `${path(token)}/${guestId}`)).slice(0, 2)).toEqual([404, 'not_found']);
    expect(refused(await api.call(a.identity('agent'), 'POST', '/v1/conversations.participants.remove', { token, userId: guestId })).slice(0, 2)).toEqual([404, 'not_found']);
  });

  it("a removed guest's open stream of the conversation carries nothing after the removal and ends", async () => {
    const token = await startConversation(api, a, visitor);
    ok(await add(token, guestId), 201);
    const sse = readSse(await api.open(guest, `/v2/conversations/${token}/events`));
    expect((await sse.next()).event).toBe('chat.started');
    ok(await api.call(a.identity('agent'), 'POST', `/v2/conversations/${token}/messages`, { content: text('still yours') }), 201);
    expect(JSON.parse((await sse.next()).data)).toMatchObject({ type: 'message.created', data: { text: 'still yours' } });
    ok(await api.call(a.identity('agent'), 'DELETE', `${path(token)}/${guestId}`));
    ok(await api.call(a.identity('agent'), 'POST', `/v2/conversations/${token}/messages`, { content: text('not for you') }), 201);
    await expect(sse.ended).resolves.toBeUndefined();
    await expect(sse.next(100)).rejects.toThrow();
  });
});
