import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { addVisitor, ok, outbox, refused, startConversation, type Visitor } from './chat-fixtures.js';

// conversations.transfer: the hand-off agents and bots may make (assigning through PATCH stays an
// admin's). Who may call it, to whom, in which state, with which bodies, by every path; the
// answers are literals, and a refused transfer changes nothing.

const CLOSED = [409, 'conflict', 'This conversation is closed; a closed conversation cannot be transferred.'] as const;
const NOT_A_MEMBER = 'is not an active member of this organization';
const NOT_A_PERSON = 'must be a person who answers chats (role agent or above, not a bot)';

describe('conversations.transfer', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let visitor: Visitor;
  let groupA: string;
  let groupB: string;
  let otherAgent: string;
  let disabledAgent: string;
  let conversation: string;

  const made = async (tenant: Tenant, path: string, body: unknown) => String(ok(await api.call(tenant.identity('admin'), 'POST', `/v2${path}`, body), 201).id);
  const transfer = (who: Identity, token: string, body: unknown, prefix = '/v2') => api.call(who, 'POST', `${prefix}/conversations/${token}/transfer`, body);
  const rpc = (who: Identity, token: string, body: Record<string, unknown>) => api.call(who, 'POST', '/v1/conversations.transfer', { token, ...body });
  const row = async (token: string) => (await api.runtime.db.knex('conversations').where({ token }).first('assignee_id', 'group_id', 'status', 'updated_at')) as Record<string, unknown>;
  const audits = async (token: string) => (await api.runtime.db.knex('audit_events').where({ resource_id: token, action: 'conversations.transfer' })
    .orderBy('created_at').select('actor_id', 'actor_kind', 'changes')) as { actor_id: string; actor_kind: string; changes: Record<string, unknown> }[];

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Transfer A');
    b = await api.tenant('Transfer B');
    visitor = await addVisitor(api, a);
    groupA = await made(a, '/organization-groups', { name: 'Cards' });
    groupB = await made(b, '/organization-groups', { name: 'Cards' });
    otherAgent = await made(a, '/users', { email: 'second-agent@example.test', name: 'Second Agent', role: 'agent' });
    disabledAgent = await made(a, '/users', { email: 'gone-agent@example.test', name: 'Gone Agent', role: 'agent' });
    ok(await api.call(a.identity('admin'), 'PATCH', `/v2/members/${disabledAgent}`, { status: 'disabled' }));
    conversation = await startConversation(api, a, visitor);
  });
  afterAll(() => api.close());

  it('an agent, a bot user, a bot-scoped key of an admin and an admin transfer, over REST (both prefixes) and RPC; each answers the conversation', async () => {
    const botKey = a.identity('bot', { sub: a.users.admin.id, kind: 'api_key', key_id: 'bank-bot-key' });
    const steps: [string, () => ReturnType<typeof transfer>, string][] = [
      ['agent, /v2', () => transfer(a.identity('agent'), conversation, { assignee_id: otherAgent }), otherAgent],
      ['bot user, un-versioned', () => transfer(a.identity('bot'), conversation, { assignee_id: a.users.agent.id }, ''), a.users.agent.id],
      ['bot-scoped key, RPC', () => rpc(botKey, conversation, { assignee_id: a.users.admin.id }), a.users.admin.id],
      ['admin, RPC', () => rpc(a.identity('admin'), conversation, { assignee_id: otherAgent }), otherAgent],
    ];
    for (const [name, step, assignee] of steps) {
      const data = ok(await step());
      expect([data.token, data.assignee_id, (data.assignee as { id: string }).id, data.status, data.group_id], name).toEqual([conversation, assignee, assignee, 'open', null]);
      expect(data.visitor, name).toMatchObject({ token: visitor.token });
    }
    const assignee = ok(await api.call(a.identity('agent'), 'GET', `/v2/conversations/${conversation}`)).assignee;
    expect(assignee).toEqual({ id: otherAgent, name: 'Second Agent', email: 'second-agent@example.test' });
    // Like an assignment through PATCH: no event, one audit row per transfer naming who moved it from whom.
    expect((await outbox(api, conversation)).map((event) => event.type)).toEqual(['chat.started']);
    expect((await audits(conversation)).map((audit) => [audit.actor_id, audit.actor_kind, audit.changes])).toEqual([
      [a.users.agent.id, 'user', { assignee_id: otherAgent, group_id: null, from: { assignee_id: null, group_id: null } }],
      [a.users.bot.id, 'user', { assignee_id: a.users.agent.id, group_id: null, from: { assignee_id: otherAgent, group_id: null } }],
      [a.users.admin.id, 'api_key', { assignee_id: a.users.admin.id, group_id: null, from: { assignee_id: a.users.agent.id, group_id: null } }],
      [a.users.admin.id, 'user', { assignee_id: otherAgent, group_id: null, from: { assignee_id: a.users.admin.id, group_id: null } }],
    ]);
  });

  it('to a group alone leaves the conversation unassigned there; to a person alone keeps the group; both at once sets both', async () => {
    const token = await startConversation(api, a, visitor);
    const agent = a.identity('agent');
    ok(await transfer(agent, token, { assignee_id: otherAgent }));
    expect(ok(await transfer(agent, token, { group_id: groupA }))).toMatchObject({ assignee_id: null, assignee: null, group_id: groupA });
    expect(ok(await transfer(agent, token, { assignee_id: a.users.agent.id }))).toMatchObject({ assignee_id: a.users.agent.id, group_id: groupA });
    expect(ok(await rpc(agent, token, { assignee_id: otherAgent, group_id: groupA }))).toMatchObject({ assignee_id: otherAgent, group_id: groupA });
    const unassigned = ok(await api.call(agent, 'GET', `/v2/conversations?assignee_id=${otherAgent}&group_id=${groupA}`)) as unknown as { token: string }[];
    expect(unassigned.map((found) => found.token)).toEqual([token]);
  });

  it('refuses guests and visitors with 403 insufficient_scope (a participating guest too), over REST and RPC', async () => {
    ok(await api.call(a.identity('agent'), 'POST', `/v2/conversations/${conversation}/participants`, { user_id: a.users.guest.id }), 201);
    const before = await row(conversation);
    for (const [name, who] of [['guest participant', a.identity('guest')], ['its own visitor', visitor.identity]] as const) {
      const body = { assignee_id: a.users.agent.id };
      expect(refused(await transfer(who, conversation, body)), `${name} REST`).toEqual([403, 'insufficient_scope', undefined]);
      expect(refused(await rpc(who, conversation, body)), `${name} RPC`).toEqual([403, 'insufficient_scope', undefined]);
    }
    expect(await row(conversation)).toEqual(before);
  });

  it("another organization's conversation is 404; its users and groups are 400 naming the field", async () => {
    const theirs = await startConversation(api, b);
    const mineBefore = await row(conversation);
    const intruder = b.identity('agent');
    expect(refused(await transfer(intruder, conversation, { assignee_id: b.users.agent.id }))).toEqual([404, 'not_found', undefined]);
    expect(refused(await rpc(intruder, conversation, { assignee_id: b.users.agent.id }))).toEqual([404, 'not_found', undefined]);
    expect(refused(await transfer(intruder, conversation, { group_id: groupB }))).toEqual([404, 'not_found', undefined]);
    expect(await row(conversation)).toEqual(mineBefore);

    const theirsBefore = await row(theirs);
    const cases: [string, Record<string, unknown>, string, string][] = [
      ["A's agent", { assignee_id: a.users.agent.id }, 'assignee_id', NOT_A_MEMBER],
      ["A's admin", { assignee_id: a.users.admin.id }, 'assignee_id', NOT_A_MEMBER],
      ['no user at all', { assignee_id: '00000000-0000-4000-8000-000000000000' }, 'assignee_id', NOT_A_MEMBER],
      ["A's group", { group_id: groupA }, 'group_id', 'no such organization group'],
      ["B's agent into A's group", { assignee_id: b.users.agent.id, group_id: groupA }, 'group_id', 'no such organization group'],
    ];
    for (const [name, body, field, message] of cases) {
      for (const res of [await transfer(intruder, theirs, body), await rpc(intruder, theirs, body)]) {
        expect([res.status, res.body.error, res.body.details?.fields], name).toEqual([400, 'validation_failed', [{ field, message }]]);
      }
    }
    expect(await row(theirs)).toEqual(theirsBefore);
  });

  it('transfers only to a person who answers chats: a guest, a bot user or a disabled member is 400 naming assignee_id', async () => {
    const before = await row(conversation);
    const cases: [string, string, string][] = [
      ['a guest member', a.users.guest.id, NOT_A_PERSON],
      ['a bot user', a.users.bot.id, NOT_A_PERSON],
      ['a disabled member', disabledAgent, NOT_A_MEMBER],
    ];
    for (const [name, assignee, message] of cases) {
      const res = await transfer(a.identity('agent'), conversation, { assignee_id: assignee });
      expect([res.status, res.body.error, res.body.details?.fields], name).toEqual([400, 'validation_failed', [{ field: 'assignee_id', message }]]);
    }
    expect(await row(conversation)).toEqual(before);
  });

  it('a closed conversation cannot be transferred (409), by anyone, and stays as it was', async () => {
    const token = await startConversation(api, a, visitor);
    ok(await api.call(a.identity('admin'), 'PATCH', `/v2/conversations/${token}`, { status: 'closed', end_reason: 'resolved' }));
    const before = await row(token);
    for (const who of [a.identity('agent'), a.identity('bot'), a.identity('admin')]) {
      for (const res of [await transfer(who, token, { assignee_id: otherAgent }), await rpc(who, token, { group_id: groupA })]) {
        expect([res.status, res.body.error, res.body.message], who.role).toEqual([...CLOSED]);
      }
    }
    expect(await row(token)).toEqual(before);
    expect(await audits(token)).toEqual([]);
  });

  it('refuses bad bodies with a clear 400 (never a 500), and changes nothing', async () => {
    const before = await row(conversation);
    const agent = a.identity('agent');
    const json = { 'content-type': 'application/json' };
    const raw = (body: string, headers: Record<string, string> = json) => api.call(agent, 'POST', `/v2/conversations/${conversation}/transfer`, body, headers);
    const cases: [string, Promise<Awaited<ReturnType<typeof transfer>>>, number, string, string | undefined][] = [
      ['empty object', transfer(agent, conversation, {}), 400, 'validation_failed', '(body)'],
      ['null assignee', transfer(agent, conversation, { assignee_id: null }), 400, 'validation_failed', 'assignee_id'],
      ['not a uuid', transfer(agent, conversation, { assignee_id: 'agent-1' }), 400, 'validation_failed', 'assignee_id'],
      ['NUL in the id', transfer(agent, conversation, { assignee_id: `${a.users.agent.id}\u0000` }), 400, 'validation_failed', 'assignee_id'],
      ['NUL in a key', transfer(agent, conversation, { 'assignee_id\u0000': a.users.agent.id }), 400, 'validation_failed', 'assignee_id\u0000'],
      ['an unknown field', transfer(agent, conversation, { assignee_id: a.users.agent.id, status: 'closed' }), 400, 'validation_failed', 'status'],
      ['an array', transfer(agent, conversation, [a.users.agent.id]), 400, 'invalid_request', undefined],
      ['not JSON', raw('{"assignee_id":'), 400, 'invalid_request', undefined],
      ['a raw NUL byte', raw(`{"assignee_id":"${a.users.agent.id}"}\u0000`), 400, 'invalid_request', undefined],
      ['oversized', raw(JSON.stringify({ assignee_id: a.users.agent.id, padding: 'x'.repeat(2 * 1024 * 1024) })), 413, 'payload_too_large', undefined],
      ['no body', api.call(agent, 'POST', `/v2/conversations/${conversation}/transfer`), 400, 'validation_failed', '(body)'],
    ];
    for (const [name, pending, status, error, field] of cases) {
      const res = await pending;
      expect([res.status, res.body.ok, res.body.error, res.body.details?.fields?.[0]?.field], name).toEqual([status, false, error, field]);
      expect(typeof res.body.message, name).toBe('string');
    }
    expect(await row(conversation)).toEqual(before);
  });

  it('answers only its own path: other cases, an extra or empty segment, or GET are not a transfer', async () => {
    const before = await row(conversation);
    const body = { assignee_id: a.users.agent.id };
    const agent = a.identity('agent');
    const variants: [string, string, number, string][] = [
      ['POST', `/v2/conversations/${conversation}/Transfer`, 404, 'not_found'],
      ['POST', `/V2/conversations/${conversation}/transfer`, 404, 'not_found'],
      ['POST', `/v2/conversations/${conversation}/transfer/x`, 404, 'not_found'],
      ['POST', `/v2/conversations/${conversation}//transfer`, 404, 'not_found'],
      // A token is case-sensitive: another spelling is another (unknown) conversation.
      ['POST', `/v2/conversations/${conversation.toLowerCase()}/transfer`, 404, 'not_found'],
      ['POST', '/v1/Conversations.transfer', 404, 'not_found'],
      ['GET', `/v2/conversations/${conversation}/transfer`, 405, 'method_not_allowed'],
      ['PUT', `/v2/conversations/${conversation}/transfer`, 405, 'method_not_allowed'],
    ];
    for (const [method, path, status, error] of variants) {
      const res = await api.call(agent, method, path, method === 'GET' ? undefined : body);
      expect([res.status, res.body.error], `${method} ${path}`).toEqual([status, error]);
    }
    expect(await row(conversation)).toEqual(before);

    // The resource API's router takes one trailing slash as the same path, for every operation
    // (the gateway in front refuses it): the same operation with the same checks.
    const current = String(before.assignee_id);
    const slash = await api.call(agent, 'POST', `/v2/conversations/${conversation}/transfer/`, { assignee_id: current });
    expect([slash.status, (slash.body.data as { assignee_id: string }).assignee_id]).toEqual([200, current]);
    expect(refused(await api.call(a.identity('guest'), 'POST', `/v2/conversations/${conversation}/transfer/`, body))).toEqual([403, 'insufficient_scope', undefined]);
  });
});
