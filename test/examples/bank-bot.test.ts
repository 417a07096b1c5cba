import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBankBot, type BankBot } from '../../examples/bank-bot/bot.js';
import { provision } from '../../examples/bank-bot/provision.js';
import { call } from '../gateway/visitor-fixtures.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// The reference bot against a real Gatehouse (gateway, API, webhook worker) and a real visitor
// session: provisioning through the public API, signed webhooks in, answers through the API.
// Nothing sleeps: every wait polls the API for a condition, within a bound.

const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };

interface Message { id: string; seq: number; text: string; author: { type: string }; content: Record<string, unknown> }

describe('the bank bot', () => {
  let gatehouse: TestGatehouse;
  let bot: BankBot;
  let dataDir: string;
  let adminToken: string;
  let visitor: string;
  let conversation: string;

  const as = (authorization: string, method: string, p: string, body?: unknown) => call(gatehouse.url, method, p, { headers: { authorization }, ...(body === undefined ? {} : { body }) });
  const admin = (method: string, p: string, body?: unknown) => as(`Bearer ${adminToken}`, method, p, body);
  const messages = async () => ((await as(visitor, 'GET', `/v2/conversations/${conversation}/messages?limit=100`)).body.data as unknown as Message[]);
  const botMessages = async () => (await messages()).filter((message) => message.author.type === 'bot');
  /** The bot's messages once there are `count` of them (polled, bounded). */
  const botAnswered = async (count: number) => {
    await expect.poll(async () => (await botMessages()).length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(count);
    const answers = await botMessages();
    expect(answers).toHaveLength(count);
    return answers;
  };
  const say = async (text: string) => expect((await as(visitor, 'POST', `/v2/conversations/${conversation}/messages`, { content: { type: 'text', text } })).status).toBe(201);
  const click = async (message: Message, element: string) =>
    expect((await as(visitor, 'POST', `/v2/conversations/${conversation}/messages`, { postback: { message_id: message.id, element_id: element } })).status).toBe(201);
  const delivered = async () => ((await admin('GET', `/v2/webhooks/${bot.state.webhook.id}`)).body.data as { counts: { delivered: number; pending: number } }).counts;

  beforeAll(async () => {
    // The bot listens on loopback: the operator lets webhooks reach it (any port of 127.0.0.1).
    gatehouse = await startTestGatehouse({ config: { WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'] } });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bank-bot-'));
    bot = await startBankBot({ gatehouseUrl: gatehouse.url, port: 0, admin: ADMIN, dataDir });
    adminToken = (await call(gatehouse.url, 'POST', '/v2/auth/token', { body: ADMIN })).body.token as unknown as string;
    const session = await call(gatehouse.url, 'POST', `/v2/widgets/${bot.state.widget_client_token}/sessions`, { headers: { origin: gatehouse.url }, body: {} });
    expect(session.status).toBe(201);
    visitor = `Bearer ${(session.body.data as { access_token: string }).access_token}`;
  });
  afterAll(async () => {
    await bot?.close();
    await gatehouse?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sets itself up through the API, and a second run changes nothing', async () => {
    expect(bot.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
    expect(bot.demoUrl).toBe(`${gatehouse.url}/widget/demo?client_token=${bot.state.widget_client_token}`);
    expect(bot.state.webhook.secret).toMatch(/^whsec_/);
    expect(statSync(path.join(dataDir, 'state.json')).mode & 0o777).toBe(0o600);
    const again = await provision({ gatehouseUrl: gatehouse.url, admin: ADMIN, webhookUrl: `${bot.url}/webhooks`, botHost: new URL(bot.url).host, demoOrigin: gatehouse.url, dataDir });
    expect(again).toEqual(bot.state);

    const hooks = (await admin('GET', '/v2/webhooks')).body.data as unknown as Record<string, unknown>[];
    expect(hooks.map((hook) => [hook.url, hook.events, hook.message_author_types, hook.enabled]))
      .toEqual([[`${bot.url}/webhooks`, ['message.created', 'message.postback'], ['visitor'], true]]);
    const widgets = (await admin('GET', '/v2/widgets')).body.data as unknown as Record<string, unknown>[];
    expect(widgets.map((widget) => [widget.client_token, widget.allowed_origins])).toEqual([[bot.state.widget_client_token, [gatehouse.url]]]);
    const organization = (await admin('GET', `/v2/organizations/${bot.state.organization_id}`)).body.data as { webview_hosts: string[] };
    expect(organization.webview_hosts).toEqual([new URL(bot.url).host]);
    const key = (await admin('GET', `/v2/api-keys/${bot.state.api_key.id}`)).body.data as Record<string, unknown>;
    expect([key.scopes, key.revoked_at]).toEqual([['bot'], null]);

    // The bot moved to another port: the same endpoint follows it (same secret), the new host is allowed too.
    const moved = { gatehouseUrl: gatehouse.url, admin: ADMIN, webhookUrl: 'http://127.0.0.1:1/webhooks', botHost: '127.0.0.1:1', demoOrigin: gatehouse.url, dataDir };
    expect(await provision(moved)).toEqual(bot.state);
    expect(((await admin('GET', '/v2/webhooks')).body.data as unknown as { id: string; url: string }[]).map((hook) => [hook.id, hook.url]))
      .toEqual([[bot.state.webhook.id, 'http://127.0.0.1:1/webhooks']]);
    expect(((await admin('GET', `/v2/organizations/${bot.state.organization_id}`)).body.data as { webview_hosts: string[] }).webview_hosts)
      .toEqual([new URL(bot.url).host, '127.0.0.1:1']);
    expect(await provision({ ...moved, webhookUrl: `${bot.url}/webhooks`, botHost: new URL(bot.url).host })).toEqual(bot.state);
  });

  it('greets a visitor who says hi with quick replies', async () => {
    const started = await as(visitor, 'POST', '/v2/conversations', { message: { content: { type: 'text', text: 'hi' } } });
    expect(started.status).toBe(201);
    conversation = (started.body.data as { token: string }).token;
    const [greeting] = await botAnswered(1);
    expect(greeting!.content).toEqual({
      type: 'quick_replies', text: "Hi, I'm Freddy, AG Bank's assistant. How can I help you today?",
      fallback_text: "Hi, I'm Freddy, AG Bank's assistant. How can I help you today? (account statement, products, or talk to a human)",
      replies: [
        { id: 'statement', title: 'Account statement', payload: 'statement' },
        { id: 'products', title: 'Products', payload: 'products' },
        { id: 'human', title: 'Talk to a human', payload: 'human' },
      ],
    });
  });

  it('answers "Account statement" with a web view of its own page, and posts only the last four digits', async () => {
    const [greeting] = await botMessages();
    await click(greeting!, 'statement');
    const statement = (await botAnswered(2))[1]!;
    const button = (statement.content.buttons as { url: string }[])[0]!;
    expect(statement.content).toEqual({
      type: 'buttons', fallback_text: 'Please enter your card details on our secure page.',
      text: 'To prepare your statement I need your card details. Please enter them on our secure page: AG Bank keeps them, not the chat.',
      buttons: [{ id: 'card-details', type: 'webview', title: 'Enter card details', url: button.url, height: 'tall' }],
    });
    expect(button.url).toMatch(new RegExp(`^${bot.url}/statement/[A-Za-z0-9_-]{22}$`));

    const page = await fetch(button.url);
    expect([page.status, page.headers.get('content-security-policy')])
      .toEqual([200, `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors ${gatehouse.url}`]);
    expect(await page.text()).toContain(`<form method="post" action="${new URL(button.url).pathname}">`);

    const submit = (card: string) => fetch(button.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ card_number: card, expiry: '12/29' }) });
    const wrong = await submit('4111 1111 1111 1112');
    expect([wrong.status, (await wrong.text()).includes('That card number does not look right.')]).toEqual([400, true]);
    const done = await submit('4111 1111 1111 1111');
    expect([done.status, (await done.text()).includes('You can close this window.')]).toEqual([200, true]);
    // The follow-up is posted before the page answers.
    const followUp = (await botMessages())[2]!;
    expect(followUp.content).toEqual({ type: 'text', text: 'Thanks! Your statement for the card ending 1111 is ready. Anything else I can help with?' });
    expect((await submit('4111 1111 1111 1111')).status).toBe(410);

    const stored = JSON.stringify((await as(`Bearer ${bot.state.api_key.key}`, 'GET', `/v2/messages?conversation=${conversation}&limit=100`)).body.data);
    expect(stored).toContain('card ending 1111');
    for (const secret of ['4111111111111111', '4111 1111 1111 1111', '4111 1111 1111 1112', '12/29']) expect(stored).not.toContain(secret);
  });

  it('shows the products as a carousel', async () => {
    await say('Products');
    const carousel = (await botAnswered(4))[3]!;
    expect(carousel.content.type).toBe('carousel');
    expect((carousel.content.cards as Record<string, unknown>[]).map((card) => [card.id, card.title, card.image])).toEqual([
      ['everyday', 'Everyday account', { url: 'https://agbank.example/images/everyday.png', mime: 'image/png', alt: 'Everyday account' }],
      ['gold', 'Gold credit card', { url: 'https://agbank.example/images/gold.png', mime: 'image/png', alt: 'Gold credit card' }],
      ['savings', 'Savings account', { url: 'https://agbank.example/images/savings.png', mime: 'image/png', alt: 'Savings account' }],
    ]);
  });

  it('refuses forged and stale webhooks with 401 and answers nothing', async () => {
    const before = (await botMessages()).length;
    const body = JSON.stringify({ id: 'evt-forged', type: 'message.created', data: { conversation_token: conversation, author: { type: 'visitor' }, text: 'hi', postback: null } });
    const post = (headers: Record<string, string>) => fetch(`${bot.url}/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const signer = new Webhook(bot.state.webhook.secret);
    const now = new Date();
    const forged = new Webhook(`whsec_${Buffer.from('not the secret, 32 bytes long!!!').toString('base64')}`);
    const cases: [string, Record<string, string>][] = [
      ['no signature', {}],
      ['another secret', { 'webhook-id': 'evt-forged', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': forged.sign('evt-forged', now, body) }],
      ['signed ten minutes ago (a replay)', { 'webhook-id': 'evt-forged', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000) - 600), 'webhook-signature': signer.sign('evt-forged', new Date(now.getTime() - 600_000), body) }],
      ['another webhook-id under the signature', { 'webhook-id': 'evt-other', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign('evt-forged', now, body) }],
    ];
    for (const [name, headers] of cases) {
      const res = await post(headers);
      expect([res.status, await res.json()], name).toEqual([401, { error: 'invalid_signature' }]);
    }
    expect((await botMessages()).length).toBe(before);
  });

  it('answers a delivery once, however often it comes (same webhook-id)', async () => {
    const before = (await botMessages()).length;
    const hooks = await admin('GET', `/v2/webhooks/${bot.state.webhook.id}/deliveries?limit=100`);
    const first = (hooks.body.data as unknown as { id: string; event_type: string; status: string }[]).at(-1)!;
    expect([first.event_type, first.status]).toEqual(['message.created', 'delivered']);
    expect((await admin('POST', `/v2/webhooks/${bot.state.webhook.id}/deliveries/${first.id}/replay`)).status).toBe(202);
    await expect.poll(async () => (await admin('GET', `/v2/webhooks/${bot.state.webhook.id}/deliveries/${first.id}`)).body.data, { timeout: 10_000, interval: 50 })
      .toMatchObject({ status: 'delivered', attempt: 2, response_status: 200 });
    expect((await botMessages()).length).toBe(before);

    // The same event twice, straight to the bot: the first is answered (before the 2xx), the second is not.
    const body = JSON.stringify({ id: 'evt-dup-1', type: 'message.created', data: { conversation_token: conversation, author: { type: 'visitor' }, text: 'hi again', postback: null } });
    const signed = () => {
      const now = new Date();
      return { 'content-type': 'application/json', 'webhook-id': 'evt-dup-1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(bot.state.webhook.secret).sign('evt-dup-1', now, body) };
    };
    for (const attempt of [1, 2]) {
      const res = await fetch(`${bot.url}/webhooks`, { method: 'POST', headers: signed(), body });
      expect([res.status, await res.json(), (await botMessages()).length], `attempt ${attempt}`).toEqual([200, { ok: true }, before + 1]);
    }
  });

  it('hands the visitor over on "Talk to a human" by transferring the conversation to an online person, then stays quiet', async () => {
    const botKey = `Bearer ${bot.state.api_key.key}`;
    // What a bot-scoped key may not do: assigning through PATCH is for admins. The bot uses the narrower transfer.
    const assign = await as(botKey, 'PATCH', `/v2/conversations/${conversation}`, { assignee_id: bot.state.organization_id });
    expect([assign.status, assign.body.error]).toEqual([403, 'insufficient_scope']);
    // An offline agent, and the admin online: the online person is chosen first.
    const offline = await admin('POST', '/v2/users', { email: 'oscar@example.test', name: 'Oscar Offline', role: 'agent' });
    expect(offline.status).toBe(201);
    const adminId = (await admin('GET', '/v2/users/me')).body.data as { id: string };
    expect((await admin('PATCH', '/v2/users/me/availability', { availability: 'online' })).status).toBe(200);

    const greeting = (await botMessages())[0]!;
    await click(greeting, 'human');
    const handOff = (await botAnswered(6))[5]!;
    expect(handOff.content).toEqual({ type: 'text', text: "I'm handing you over to Administrator, one of our advisers. They will answer you here." });
    const details = (await admin('GET', `/v2/conversations/${conversation}`)).body.data as { assignee_id: string; assignee: { email: string } };
    expect([details.assignee_id, details.assignee.email]).toEqual([adminId.id, ADMIN.email]);
    expect((await admin('GET', `/v2/conversations/${conversation}/participants`)).body.data).toEqual([]);
    const audit = (await admin('GET', `/v2/audit-events?action=conversations.transfer&limit=10`)).body.data as unknown as { actor: unknown; resource_id: string }[];
    expect(audit.map((event) => event.resource_id)).toEqual([conversation]);

    const counts = await delivered();
    await say('hello? is anyone there?');
    await expect.poll(async () => (await delivered()).delivered, { timeout: 10_000, interval: 50 }).toBe(counts.delivered + 1);
    expect((await botMessages()).length).toBe(6);
  });

  it('with nobody online, transfers to an offline agent and tells the visitor they will answer later', async () => {
    expect((await admin('PATCH', '/v2/users/me/availability', { availability: 'offline' })).status).toBe(200);
    const started = await as(visitor, 'POST', '/v2/conversations', { message: { content: { type: 'text', text: 'I want to talk to a human' } } });
    expect(started.status).toBe(201);
    conversation = (started.body.data as { token: string }).token;
    const [answer] = await botAnswered(1);
    expect(answer!.content).toEqual({
      type: 'text', text: "None of our advisers is online right now, so I've passed your conversation to Oscar Offline. They will answer you here as soon as they can.",
    });
    const details = (await admin('GET', `/v2/conversations/${conversation}`)).body.data as { assignee: { name: string } };
    expect(details.assignee.name).toBe('Oscar Offline');
  });
});
