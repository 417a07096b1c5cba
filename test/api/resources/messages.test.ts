import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { addVisitor, ok, outbox, refused, startConversation, text, type Visitor } from './chat-fixtures.js';

// Seed 001 "messages" and seed 003's rich content through the resource API: who a message is
// from, content checked to the JSON path, the organization's web-view hosts, postbacks, retried
// sends, sequence numbers and response times, edits and tombstones.

const s = (n: number, c = 'a') => c.repeat(n);
const img = { url: 'https://bank.example/card.png', mime: 'image/png' };
const postbackButton = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'postback', title: 'Yes', ...extra });

describe('messages', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let visitor: Visitor;
  let token: string;
  const post = (as: Identity, body: unknown, t = token) => api.call(as, 'POST', `/v2/conversations/${t}/messages`, body);

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Messages A');
    b = await api.tenant('Messages B');
    visitor = await addVisitor(api, a);
    token = await startConversation(api, a, visitor);
  });
  afterAll(() => api.close());

  it('the author type comes from the caller, never from the body', async () => {
    const humanBot = ok(await api.call(a.identity('admin'), 'POST', '/v2/users', { email: `hb-${Date.now()}@example.test`, name: 'Human with bot role', role: 'bot' }), 201);
    const cases: [string, Identity, string, string | null][] = [
      ['visitor session', visitor.identity, 'visitor', visitor.token],
      ['agent user', a.identity('agent'), 'agent', a.users.agent.id],
      ['admin user', a.identity('admin'), 'agent', a.users.admin.id],
      ['guest user who takes part', a.identity('guest'), 'agent', a.users.guest.id],
      ['bot user (is_bot), by token', a.identity('bot'), 'bot', a.users.bot.id],
      ['bot user (is_bot), by API key', a.identity('bot', { kind: 'api_key', key_id: 'k1' }), 'bot', a.users.bot.id],
      ['API key of a member whose role is bot', a.identity('bot', { sub: String(humanBot.id), kind: 'api_key', key_id: 'k2' }), 'bot', String(humanBot.id)],
      ['that member by its own token', a.identity('bot', { sub: String(humanBot.id) }), 'agent', String(humanBot.id)],
      ['API key of an agent', a.identity('agent', { kind: 'api_key', key_id: 'k3' }), 'agent', a.users.agent.id],
      ["an admin's API key with the bot scope", a.identity('bot', { sub: a.users.admin.id, kind: 'api_key', key_id: 'k4' }), 'bot', a.users.admin.id],
      ["an admin's API key with the admin scope", a.identity('admin', { kind: 'api_key', key_id: 'k5' }), 'agent', a.users.admin.id],
      ['service client', a.identity('bot', { sub: 'svc-helpdesk', kind: 'client', client_id: 'svc-helpdesk' }), 'bot', 'svc-helpdesk'],
    ];
    const conversation = await api.runtime.db.knex('conversations').where({ token }).first('id');
    await api.runtime.db.knex('conversation_participants').insert({ conversation_id: conversation.id, user_id: a.users.guest.id });
    for (const [who, identity, type, id] of cases) {
      const message = ok(await post(identity, { content: text(who) }), 201);
      expect(message.author, who).toMatchObject({ type, id });
    }
    expect(refused(await post(a.identity('agent'), { content: text('x'), author: { type: 'system' } }))).toEqual([400, 'validation_failed', 'author']);
  });

  describe('rich content: valid documents pass, each limit is refused at its JSON path', () => {
    const valid: [string, unknown][] = [
      ['text at 4096', { type: 'text', text: s(4096) }],
      ['image', { type: 'image', fallback_text: 'A card', image: { ...img, alt: 'Card', width: 640, height: 480 }, caption: 'Yours' }],
      ['gif', { type: 'gif', fallback_text: 'Dancing', image: { url: 'https://cdn.example/a.gif', mime: 'image/gif' } }],
      ['13 quick replies', { type: 'quick_replies', fallback_text: 'Pick', text: 'Pick one', replies: Array.from({ length: 13 }, (_, i) => ({ id: `r${i}`, title: s(20) })) }],
      ['buttons: postback, url, phone', { type: 'buttons', fallback_text: 'x', text: 'Options', buttons: [postbackButton('b1'), { id: 'b2', type: 'url', title: 'Open', url: 'https://bank.example/s' }, { id: 'b3', type: 'phone', title: 'Call', phone: '+441632960001' }] }],
      ['card', { type: 'card', fallback_text: 'x', id: 'c1', title: 'Gold', image: img, buttons: [postbackButton('c1b')] }],
      ['carousel of 10', { type: 'carousel', fallback_text: 'x', cards: Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, title: 'T' })) }],
      ['dropdown of 100', { type: 'dropdown', fallback_text: 'x', text: 'Choose', options: Array.from({ length: 100 }, (_, i) => ({ id: `o${i}`, label: 'L', value: `v${i}` })) }],
    ];
    it.each(valid)('%s', async (_name, content) => {
      const message = ok(await post(a.identity('bot'), { content }), 201);
      expect(message.content).toEqual(content);
    });

    const invalid: [string, unknown, string, string][] = [
      ['no type', { text: 'hi' }, 'content.type', 'must be a content of type text, image, gif, quick_replies, buttons, card, carousel, dropdown'],
      ['empty text', { type: 'text', text: '' }, 'content.text', 'must not be empty'],
      ['text over 4096', { type: 'text', text: s(4097) }, 'content.text', 'must be at most 4096 characters'],
      ['rich without fallback', { type: 'card', id: 'c', title: 't' }, 'content.fallback_text', 'is required'],
      ['http image', { type: 'image', fallback_text: 'x', image: { ...img, url: 'http://bank.example/a.png' } }, 'content.image.url', 'must be an https URL'],
      ['14 replies', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: Array.from({ length: 14 }, (_, i) => ({ id: `r${i}`, title: 't' })) }, 'content.replies', 'must have at most 13 items'],
      ['reply title over 20', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: 'r', title: s(21) }] }, 'content.replies[0].title', 'must be at most 20 characters'],
      ['4 buttons', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [1, 2, 3, 4].map((i) => postbackButton(`b${i}`)) }, 'content.buttons', 'must have at most 3 items'],
      ['button title over 35', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [postbackButton('b', { title: s(36) })] }, 'content.buttons[0].title', 'must be at most 35 characters'],
      ['carousel of 1', { type: 'carousel', fallback_text: 'x', cards: [{ id: 'c', title: 't' }] }, 'content.cards', 'must have at least 2 items'],
      ['http URL deep in a carousel', {
        type: 'carousel', fallback_text: 'x',
        cards: [{ id: 'c0', title: 't' }, { id: 'c1', title: 't' }, { id: 'c2', title: 't' }, { id: 'c3', title: 't', buttons: [{ id: 'u', type: 'url', title: 'Go', url: 'http://bank.example' }] }],
      }, 'content.cards[3].buttons[0].url', 'must be an https URL'],
      ['duplicate ids', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [postbackButton('same'), postbackButton('same')] }, 'content.buttons[1].id', 'duplicates the id "same" of another element of this message'],
      ['bad phone', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [{ id: 'p', type: 'phone', title: 'Call', phone: '0800 123' }] }, 'content.buttons[0].phone', 'must be an E.164 number such as +441632960001'],
      ['101 options', { type: 'dropdown', fallback_text: 'x', text: 't', options: Array.from({ length: 101 }, (_, i) => ({ id: `o${i}`, label: 'L', value: 'v' })) }, 'content.options', 'must have at most 100 items'],
      ['unknown field', { type: 'text', text: 'a', html: '<b>' }, 'content.html', 'is not a known field'],
      ['content and postback both', null, '(body)', 'must have exactly one of content and postback'],
    ];
    it.each(invalid)('%s', async (_name, content, field, message) => {
      const body = content === null ? { content: text('x'), postback: { message_id: '00000000-0000-4000-8000-000000000000', element_id: 'b' } } : { content };
      const res = await post(a.identity('bot'), body);
      expect([res.status, res.body.error]).toEqual([400, 'validation_failed']);
      expect(res.body.details?.fields).toContainEqual({ field, message });
    });
  });

  it("web views open only the organization's hosts (organizations.webview_hosts), checked at their JSON path", async () => {
    const webview = (url: string) => ({ id: 'w', type: 'webview', title: 'Details', url, height: 'tall' });
    const buttons = (url: string) => ({ type: 'buttons', fallback_text: 'x', text: 'See', buttons: [postbackButton('p'), webview(url)] });
    const carousel = (url: string) => ({ type: 'carousel', fallback_text: 'x', cards: [{ id: 'c0', title: 't' }, { id: 'c1', title: 't', buttons: [webview(url)] }] });
    expect(refused(await post(a.identity('bot'), { content: buttons('https://bank.example/card') }))).toEqual([400, 'validation_failed', 'content.buttons[1].url']);

    const org = ok(await api.call(a.identity('admin'), 'PATCH', `/v2/organizations/${a.organizationId}`, { webview_hosts: ['Bank.Example', 'bank.example', 'forms.bank.example'] }));
    expect(org.webview_hosts).toEqual(['bank.example', 'forms.bank.example']);
    expect(ok(await api.call(a.identity('bot'), 'GET', `/v2/organizations/${a.organizationId}`)).webview_hosts).toEqual(['bank.example', 'forms.bank.example']);
    ok(await post(a.identity('bot'), { content: buttons('https://bank.example/card') }), 201);
    ok(await post(a.identity('bot'), { content: carousel('https://FORMS.bank.example:8443/x?y=1') }), 201);
    for (const url of ['https://evil.example/card', 'https://sub.bank.example/', 'https://bank.example.evil.example/', 'https://xbank.example/']) {
      expect(refused(await post(a.identity('bot'), { content: carousel(url) })), url).toEqual([400, 'validation_failed', 'content.cards[1].buttons[0].url']);
    }
    // The same rule on a first message and on an edit.
    expect(refused(await api.call(a.identity('agent'), 'POST', '/v2/conversations', { message: { content: buttons('https://evil.example/') } })))
      .toEqual([400, 'validation_failed', 'message.content.buttons[1].url']);
    const message = ok(await post(a.identity('admin'), { content: text('plain') }), 201);
    expect(refused(await api.call(a.identity('admin'), 'PATCH', `/v2/messages/${String(message.id)}`, { content: buttons('https://evil.example/') })))
      .toEqual([400, 'validation_failed', 'content.buttons[1].url']);
    // Another organization's list is its own.
    expect(refused(await post(b.identity('bot'), { content: buttons('https://bank.example/card') }, await startConversation(api, b))))
      .toEqual([400, 'validation_failed', 'content.buttons[1].url']);
    for (const [hosts, field] of [[['https://bank.example'], 'webview_hosts[0]'], [['*.bank.example'], 'webview_hosts[0]'], [Array.from({ length: 51 }, (_, i) => `h${i}.example`), 'webview_hosts']] as const) {
      expect(refused(await api.call(a.identity('admin'), 'PATCH', `/v2/organizations/${a.organizationId}`, { webview_hosts: hosts }))).toEqual([400, 'validation_failed', field]);
    }
    expect(refused(await api.call(a.identity('bot'), 'PATCH', `/v2/organizations/${a.organizationId}`, { webview_hosts: [] })).slice(0, 2)).toEqual([403, 'insufficient_scope']);
  });

  describe('postbacks', () => {
    let conversation: string;
    let offer: Record<string, unknown>;
    beforeAll(async () => {
      conversation = await startConversation(api, a, visitor);
      offer = ok(await post(a.identity('bot'), {
        content: {
          type: 'carousel', fallback_text: 'Our cards', cards: [
            { id: 'gold', title: 'Gold card', buttons: [postbackButton('gold-apply', { title: 'Apply for Gold', payload: 'APPLY_GOLD' })] },
            { id: 'green', title: 'Green card' },
          ],
        },
      }, conversation), 201);
    });

    it('a click becomes a message with the chosen title, and two numbered events', async () => {
      const click = ok(await post(visitor.identity, { postback: { message_id: offer.id, element_id: 'gold-apply' } }, conversation), 201);
      expect(click).toMatchObject({ text: 'Apply for Gold', content: { type: 'text', text: 'Apply for Gold' }, postback: { message_id: offer.id, element_id: 'gold-apply' }, author: { type: 'visitor' } });
      const card = ok(await post(visitor.identity, { postback: { message_id: offer.id, element_id: 'green' } }, conversation), 201);
      expect(card.text).toBe('Green card');
      const events = await outbox(api, conversation);
      expect(events.map((event) => [event.type, event.seq])).toEqual([
        ['chat.started', 1], ['message.created', 2], ['message.created', 3], ['message.postback', 4], ['message.created', 5], ['message.postback', 6],
      ]);
      expect(click.seq).toBe(3);
      expect(events[3]!.data).toMatchObject({ id: click.id, element: { id: 'gold-apply', kind: 'button', title: 'Apply for Gold', payload: 'APPLY_GOLD' } });
    });

    it('refuses an element the message lacks, and a message of another conversation', async () => {
      expect(refused(await post(visitor.identity, { postback: { message_id: offer.id, element_id: 'platinum' } }, conversation))).toEqual([400, 'validation_failed', 'postback.element_id']);
      const elsewhere = ok(await post(a.identity('bot'), { content: { type: 'quick_replies', fallback_text: 'x', text: 'Pick', replies: [{ id: 'yes', title: 'Yes' }] } }), 201);
      expect(refused(await post(visitor.identity, { postback: { message_id: elsewhere.id, element_id: 'yes' } }, conversation))).toEqual([400, 'validation_failed', 'postback.message_id']);
      expect(refused(await post(visitor.identity, { postback: { message_id: '00000000-0000-4000-8000-000000000000', element_id: 'yes' } }, conversation))).toEqual([400, 'validation_failed', 'postback.message_id']);
      expect(refused(await post(visitor.identity, { postback: { message_id: 'nope', element_id: 'yes' } }, conversation))).toEqual([400, 'validation_failed', 'postback.message_id']);
      expect(refused(await post(visitor.identity, { postback: { message_id: offer.id, element_id: 'bad id!' } }, conversation))).toEqual([400, 'validation_failed', 'postback.element_id']);
      expect(refused(await post(visitor.identity, {}, conversation))).toEqual([400, 'validation_failed', '(body)']);
    });
  });

  it('a retried send with the same client_message_id answers the first message (201, Idempotent-Replayed) and posts nothing', async () => {
    const conversation = await startConversation(api, a, visitor);
    const first = await post(visitor.identity, { content: text('Hello?'), client_message_id: 'retry-1' }, conversation);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post(visitor.identity, { content: text('Hello? (edited)'), client_message_id: 'retry-1' }, conversation);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data).toEqual(first.body.data);
    const rpc = await api.call(visitor.identity, 'POST', '/v1/messages.create', { token: conversation, content: text('x'), client_message_id: 'retry-1' });
    expect((rpc.body.data as { id: string }).id).toBe((first.body.data as { id: string }).id);
    expect((await outbox(api, conversation)).map((event) => event.type)).toEqual(['chat.started', 'message.created']);
    // The same id in another conversation is another message.
    const other = ok(await post(visitor.identity, { content: text('Hello?'), client_message_id: 'retry-1' }), 201);
    expect(other.id).not.toBe((first.body.data as { id: string }).id);
    expect(refused(await post(visitor.identity, { content: text('x'), client_message_id: '' }, conversation))).toEqual([400, 'validation_failed', 'client_message_id']);
    expect(refused(await post(visitor.identity, { content: text('x'), client_message_id: s(65) }, conversation))).toEqual([400, 'validation_failed', 'client_message_id']);
  });

  it('concurrent sends: retries of one client_message_id post once; distinct messages take gapless sequence numbers', async () => {
    const conversation = await startConversation(api, a, visitor);
    const retries = await Promise.all(Array.from({ length: 5 }, () => post(visitor.identity, { content: text('Once'), client_message_id: 'burst' }, conversation)));
    expect(retries.map((res) => res.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(retries.map((res) => (res.body.data as { id: string }).id)).size).toBe(1);
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => post(a.identity('bot'), { content: text(`b${i}`) }, conversation)));
    const seqs = burst.map((res) => (res.body.data as { seq: number }).seq).sort((x, y) => x - y);
    expect(seqs).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await outbox(api, conversation)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a closed conversation takes no message (409), but still answers a retried send', async () => {
    const conversation = await startConversation(api, a, visitor);
    ok(await post(visitor.identity, { content: text('Bye'), client_message_id: 'last' }, conversation), 201);
    ok(await api.call(a.identity('admin'), 'PATCH', `/v2/conversations/${conversation}`, { status: 'closed', end_reason: 'visitor_left' }));
    expect(refused(await post(visitor.identity, { content: text('Wait') }, conversation)).slice(0, 2)).toEqual([409, 'conflict']);
    expect(refused(await post(a.identity('agent'), { content: text('Wait') }, conversation)).slice(0, 2)).toEqual([409, 'conflict']);
    expect((await post(visitor.identity, { content: text('Bye'), client_message_id: 'last' }, conversation)).status).toBe(201);
    ok(await api.call(a.identity('admin'), 'PATCH', `/v2/conversations/${conversation}`, { status: 'open' }));
    ok(await post(visitor.identity, { content: text('Back') }, conversation), 201);
  });

  it('each message stores its sequence number; last_message_at and first_response_at follow', async () => {
    const conversation = await startConversation(api, a, visitor);
    const read = async () => ok(await api.call(a.identity('agent'), 'GET', `/v2/conversations/${conversation}`));
    expect(await read()).toMatchObject({ last_message_at: null, first_response_at: null });
    ok(await post(a.identity('agent'), { content: text('Welcome') }, conversation), 201);
    expect((await read()).first_response_at).toBeNull();
    const question = ok(await post(visitor.identity, { content: text('Question') }, conversation), 201);
    const followUp = ok(await post(visitor.identity, { content: text('Anyone?') }, conversation), 201);
    expect((await read()).first_response_at).toBeNull();
    const answer = ok(await post(a.identity('bot'), { content: text('Answer') }, conversation), 201);
    const details = await read();
    expect(details.first_response_at).toBe(answer.created_at);
    expect(details.last_message_at).toBe(answer.created_at);
    expect([question.seq, followUp.seq, answer.seq]).toEqual([3, 4, 5]);
    ok(await post(a.identity('agent'), { content: text('More') }, conversation), 201);
    expect((await read()).first_response_at).toBe(answer.created_at);
  });

  describe('list, fetch, update, delete (seed 001: bot, bot, bot, admin)', () => {
    let conversation: string;
    let botMessage: Record<string, unknown>;
    beforeAll(async () => {
      conversation = await startConversation(api, a, visitor);
      ok(await post(visitor.identity, { content: text('Hi') }, conversation), 201);
      botMessage = ok(await post(a.identity('bot'), { content: text('Hello from the bot') }, conversation), 201);
    });

    it('lists oldest first by conversation, author type and time; fetches one', async () => {
      const list = async (query: string) => (ok(await api.call(a.identity('bot'), 'GET', `/v2/messages?${query}`)) as unknown as { text: string }[]).map((m) => m.text);
      expect(await list(`conversation=${conversation}`)).toEqual(['Hi', 'Hello from the bot']);
      expect(await list(`conversation=${conversation}&author_type=visitor`)).toEqual(['Hi']);
      expect(await list(`conversation=${conversation}&since=2999-01-01T00:00:00Z`)).toEqual([]);
      expect(ok(await api.call(a.identity('bot'), 'GET', `/v2/messages/${String(botMessage.id)}`))).toEqual(botMessage);
      for (const [method, path] of [['GET', '/v2/messages'], ['GET', `/v2/messages/${String(botMessage.id)}`]] as const) {
        expect(refused(await api.call(a.identity('agent'), method, path)).slice(0, 2)).toEqual([403, 'insufficient_scope']);
      }
    });

    it('edits: its author or an admin; edited_at records it', async () => {
      const path = `/v2/messages/${String(botMessage.id)}`;
      const otherBot = ok(await api.call(a.identity('admin'), 'POST', '/v2/users', { email: `bot2-${Date.now()}@example.test`, name: 'Bot 2', role: 'bot', is_bot: true }), 201);
      expect(refused(await api.call(a.identity('bot', { sub: String(otherBot.id) }), 'PATCH', path, { content: text('Hijacked') })).slice(0, 2)).toEqual([403, 'forbidden']);
      const edited = ok(await api.call(a.identity('bot'), 'PATCH', path, { content: text('Hello, edited') }));
      expect(edited).toMatchObject({ text: 'Hello, edited', content: text('Hello, edited'), seq: botMessage.seq, created_at: botMessage.created_at });
      expect(edited.edited_at).not.toBeNull();
      expect(ok(await api.call(a.identity('admin'), 'PATCH', path, { content: text('Moderated') }))).toMatchObject({ text: 'Moderated' });
      expect(refused(await api.call(a.identity('agent'), 'PATCH', path, { content: text('x') })).slice(0, 2)).toEqual([403, 'insufficient_scope']);
      expect(refused(await api.call(a.identity('bot'), 'PATCH', path, { content: { type: 'text' } }))).toEqual([400, 'validation_failed', 'content.text']);
    });

    it('deletes (admin) to a tombstone that keeps its place in the history', async () => {
      const victim = ok(await post(visitor.identity, { content: text('my card number is …') }, conversation), 201);
      const path = `/v2/messages/${String(victim.id)}`;
      expect(refused(await api.call(a.identity('bot'), 'DELETE', path)).slice(0, 2)).toEqual([403, 'insufficient_scope']);
      expect(ok(await api.call(a.identity('admin'), 'DELETE', path))).toEqual({ id: victim.id, deleted: true });
      const tombstone = ok(await api.call(a.identity('bot'), 'GET', path));
      expect(tombstone).toMatchObject({ id: victim.id, seq: victim.seq, content: null, text: '', postback: null });
      expect(tombstone.deleted_at).not.toBeNull();
      const history = ok(await api.call(visitor.identity, 'GET', `/v2/conversations/${conversation}/messages`)) as unknown as { id: string; text: string }[];
      expect(history.map((m) => m.text)).toEqual(['Hi', 'Moderated', '']);
      expect(refused(await api.call(a.identity('admin'), 'DELETE', path)).slice(0, 2)).toEqual([404, 'not_found']);
      expect(refused(await api.call(a.identity('admin'), 'PATCH', path, { content: text('back') })).slice(0, 2)).toEqual([409, 'conflict']);
      expect(refused(await post(visitor.identity, { postback: { message_id: victim.id, element_id: 'x' } }, conversation))).toEqual([400, 'validation_failed', 'postback.element_id']);
    });

    it('another organization gets 404 for every message operation, REST and RPC, and never lists them', async () => {
      const intruder = b.identity('admin');
      const id = String(botMessage.id);
      for (const [method, path, body, rpc] of [
        ['GET', `/v2/messages/${id}`, undefined, 'messages.fetch'],
        ['PATCH', `/v2/messages/${id}`, { content: text('mine') }, 'messages.update'],
        ['DELETE', `/v2/messages/${id}`, undefined, 'messages.delete'],
      ] as const) {
        expect(refused(await api.call(intruder, method, path, body)).slice(0, 2), path).toEqual([404, 'not_found']);
        expect(refused(await api.call(intruder, 'POST', `/v1/${rpc}`, { id, ...(body ?? {}) })).slice(0, 2), rpc).toEqual([404, 'not_found']);
      }
      expect(ok(await api.call(intruder, 'GET', `/v2/messages?conversation=${conversation}`))).toEqual([]);
      expect(ok(await api.call(intruder, 'GET', '/v2/messages?limit=100'))).toEqual([]);
      const otherConversation = await startConversation(api, b);
      expect(refused(await post(intruder, { postback: { message_id: id, element_id: 'x' } }, otherConversation))).toEqual([400, 'validation_failed', 'postback.message_id']);
      expect(ok(await api.call(a.identity('bot'), 'GET', `/v2/messages/${id}`)).text).toBe('Moderated');
    });
  });

  it('bad input: NUL anywhere in content is 400 at its path, a body over 64 KiB is 413', async () => {
    expect(refused(await post(visitor.identity, { content: text('a\u0000b') }))).toEqual([400, 'validation_failed', 'content.text']);
    expect(refused(await post(visitor.identity, { content: { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: 'r', title: 'ok\u0000' }] } })))
      .toEqual([400, 'validation_failed', 'content.replies[0].title']);
    const big = await post(visitor.identity, { content: text(s(70_000)) });
    expect([big.status, big.body.error]).toEqual([413, 'payload_too_large']);
    const wrongType = await api.call(visitor.identity, 'POST', `/v2/conversations/${token}/messages`, 'content=hi', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
  });
});
