import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Started } from '../../src/cli/start.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { freePort } from '../helpers/net.js';
import { readSse, type SseReader } from '../helpers/sse.js';
import { call, insertOrganizationWithWidget, memberKey } from './visitor-fixtures.js';

// Issue 10's "done when", through the real gateway with fetch as the client: a widget on an
// allowed origin opens a visitor session, the visitor starts a conversation and writes, an agent
// sees it live and answers, a bot answers with a carousel and quick replies, the visitor's
// postback arrives as a message and an event, the visitor rates the chat. On the postgres project
// a second Gatehouse process on the same database and Redis serves the agent's stream.

const SITE = 'https://shop.example.com';

interface Conversation { token: string }
interface Message { id: string; seq: number; text: string; author: { type: string } }

describe('the chat story through the gateway', () => {
  let gatehouse: TestGatehouse;
  let second: Started | undefined;
  let agentBase: string;
  let admin: string;
  let agent: string;
  let bot: string;
  let widget: { clientToken: string; organizationId: string };

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const knex = gatehouse.runtime.db.knex;
    widget = await insertOrganizationWithWidget(knex, [SITE]);
    const hash = gatehouse.runtime.secrets.derive('api-key-hash');
    const keys = await Promise.all((['admin', 'agent', 'bot'] as const).map((role) => memberKey(knex, hash, widget.organizationId, role)));
    [admin, agent, bot] = keys as [string, string, string];
    agentBase = gatehouse.url;
    if (process.env.TEST_BACKEND === 'postgres') {
      // Another process of the same installation: same database, Redis, secret and issuer.
      const port = await freePort();
      second = await start({ config: { ...gatehouse.runtime.config, PORT: port }, logger: gatehouse.runtime.logger, role: 'all', print: () => {} });
      agentBase = second.urls.gateway!;
    }
  });
  afterAll(async () => {
    await second?.stop();
    await gatehouse?.stop();
  });

  const as = (authorization: string, method: string, path: string, body?: unknown, base = gatehouse.url) =>
    call(base, method, path, { headers: { authorization }, ...(body !== undefined ? { body } : {}) });
  const follow = async (authorization: string, path: string, base = gatehouse.url): Promise<SseReader> => {
    const res = await fetch(base + path, { headers: { authorization, accept: 'text/event-stream' } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    return readSse(res);
  };
  const dataOf = (event: { data: string }) => (JSON.parse(event.data) as { data: Record<string, unknown> }).data;

  it('runs from the visitor\'s first message to the rating, live on both sides', async () => {
    const session = await call(gatehouse.url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: SITE }, body: {} });
    expect(session.status).toBe(201);
    const visitor = `Bearer ${(session.body.data as { access_token: string }).access_token}`;

    const agentStream = await follow(agent, '/v2/events', agentBase);
    const started = await as(visitor, 'POST', '/v2/conversations', { message: { content: { type: 'text', text: 'Hi, I need my account statement' } } });
    expect(started.status).toBe(201);
    const { token } = started.body.data as unknown as Conversation;
    const visitorStream = await follow(visitor, `/v2/conversations/${token}/events`);
    expect((await visitorStream.take(2)).map((event) => [event.id, event.event])).toEqual([['1', 'chat.started'], ['2', 'message.created']]);
    expect((await agentStream.take(2)).map((event) => event.event)).toEqual(['chat.started', 'message.created']);

    const answer = await as(agent, 'POST', `/v2/conversations/${token}/messages`, { content: { type: 'text', text: 'Hello! Let me fetch our assistant.' } });
    expect(answer.status).toBe(201);
    const seen = await visitorStream.next();
    expect([seen.id, seen.event, dataOf(seen).text]).toEqual(['3', 'message.created', 'Hello! Let me fetch our assistant.']);

    const carousel = await as(bot, 'POST', `/v2/conversations/${token}/messages`, {
      content: {
        type: 'carousel', fallback_text: 'Statement or card',
        cards: [
          { id: 'statement', title: 'Account statement', buttons: [{ id: 'get-statement', type: 'postback', title: 'Get statement', payload: 'STATEMENT' }] },
          { id: 'cards', title: 'Cards', buttons: [{ id: 'block', type: 'postback', title: 'Block a card' }] },
        ],
      },
    });
    const replies = await as(bot, 'POST', `/v2/conversations/${token}/messages`, {
      content: { type: 'quick_replies', fallback_text: 'Anything else?', text: 'Anything else?', replies: [{ id: 'no', title: 'No, thanks' }] },
    });
    expect([carousel.status, replies.status]).toEqual([201, 201]);
    expect((carousel.body.data as unknown as Message).author.type).toBe('bot');
    expect((await visitorStream.take(2)).map((event) => [event.id, (dataOf(event).content as { type: string }).type])).toEqual([['4', 'carousel'], ['5', 'quick_replies']]);

    const postback = await as(visitor, 'POST', `/v2/conversations/${token}/messages`, { postback: { message_id: (carousel.body.data as unknown as Message).id, element_id: 'get-statement' } });
    expect(postback.status).toBe(201);
    expect((postback.body.data as unknown as Message).text).toBe('Get statement');
    expect((await visitorStream.take(2)).map((event) => [event.id, event.event])).toEqual([['6', 'message.created'], ['7', 'message.postback']]);

    const rated = await as(visitor, 'POST', `/v2/conversations/${token}/rate`, { score: 5, comment: 'Quick and easy' });
    expect(rated.status).toBe(200);
    const rating = await visitorStream.next();
    expect([rating.id, rating.event]).toEqual(['8', 'chat.rated']);
    // The agent's stream (on the other process on postgres) saw every one of them, in order.
    const rest = await agentStream.take(6);
    expect(rest.map((event) => event.event)).toEqual(['message.created', 'message.created', 'message.created', 'message.created', 'message.postback', 'chat.rated']);

    // Reconnecting after the fourth event gives the rest, nothing twice, nothing lost.
    const resumed = await fetch(`${gatehouse.url}/v2/conversations/${token}/events`, { headers: { authorization: visitor, 'last-event-id': '4' } });
    expect((await readSse(resumed).take(4)).map((event) => event.id)).toEqual(['5', '6', '7', '8']);
    visitorStream.close();
    agentStream.close();
  });

  it('ends a visitor\'s open stream within a second when the visitor is deleted', async () => {
    const session = await call(gatehouse.url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: SITE }, body: {} });
    const data = session.body.data as { access_token: string; visitor: { token: string } };
    const visitor = `Bearer ${data.access_token}`;
    const { token } = (await as(visitor, 'POST', '/v2/conversations', {})).body.data as unknown as Conversation;
    const stream = await follow(visitor, `/v2/conversations/${token}/events`);
    expect((await stream.next()).event).toBe('chat.started');
    const deleted = await as(admin, 'DELETE', `/v2/visitors/${data.visitor.token}`);
    expect(deleted.status).toBe(200);
    const ended = await Promise.race([stream.ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still open'), 1_000))]);
    expect(ended).toBe('ended');
    const again = await fetch(`${gatehouse.url}/v2/conversations/${token}/events`, { headers: { authorization: visitor } });
    expect(again.status).toBe(401);
  });
});
