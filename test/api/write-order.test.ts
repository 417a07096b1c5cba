import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMessage } from '../../src/api/messages/queries.js';
import { insertTicketEvent, insertTicketMessage } from '../../src/api/tickets/queries.js';
import { takeConversationSeqs } from '../../src/db/outbox.js';
import type { Identity } from '../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { addVisitor, ok, startConversation } from './resources/chat-fixtures.js';

// Rows of one parent read back in the order they were written, even when they share a clock
// reading: many rows in one transaction all read one `now()`, and PGlite's clock ticks in
// milliseconds, so a page ordered by (created_at, random id) used to shuffle them (a ticket's
// `created` event came after its `message_added`). Each list is read through the API.

const COUNT = 40;
const labels = Array.from({ length: COUNT }, (_, i) => `row ${String(i + 1).padStart(2, '0')}`);

describe('rows of one parent keep their write order', () => {
  let api: ApiHarness;
  let a: Tenant;
  let agent: Identity;

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Write order');
    agent = a.identity('agent');
  });
  afterAll(() => api.close());

  /** `field` of every item of a list, following its cursor page by page. */
  async function allPages(as: Identity, path: string, field: string): Promise<unknown[]> {
    const read: unknown[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.call(as, 'GET', `${path}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      read.push(...(ok(res) as unknown as Array<Record<string, unknown>>).map((item) => item[field]));
      cursor = (res.body as { next_cursor?: string | null }).next_cursor ?? null;
    } while (cursor !== null);
    return read;
  }

  async function newTicket(): Promise<string> {
    const made = ok(await api.call(agent, 'POST', '/v2/tickets', { subject: 'Order', message: 'first' }), 201);
    return made.id as string;
  }

  it('ticket events written in one transaction', async () => {
    const ticketId = await newTicket();
    await api.runtime.db.knex.transaction(async (trx) => {
      for (const label of labels) {
        await insertTicketEvent(trx, { organization_id: a.organizationId, ticket_id: ticketId, type: 'updated', actor_type: 'system', actor_id: 'system', changes: { label } });
      }
    });
    const events = ok(await api.call(agent, 'GET', `/v2/tickets/${ticketId}/events?limit=100`)) as unknown as Array<{ type: string; changes: { label?: string } | null }>;
    expect(events.map((event) => event.changes?.label ?? event.type)).toEqual(['created', 'message_added', ...labels]);
  });

  it('ticket messages written in one transaction, across pages', async () => {
    const ticketId = await newTicket();
    await api.runtime.db.knex.transaction(async (trx) => {
      for (const label of labels) {
        await insertTicketMessage(trx, { organization_id: a.organizationId, ticket_id: ticketId, author_type: 'system', author_id: null, text: label, public: true });
      }
    });
    expect(await allPages(agent, `/v2/tickets/${ticketId}/messages?limit=7`, 'text')).toEqual(['first', ...labels]);
  });

  it('conversation messages written in one transaction', async () => {
    const token = await startConversation(api, a, await addVisitor(api, a));
    const knex = api.runtime.db.knex;
    const conversationId = ((await knex('conversations').where({ token }).first('id')) as { id: string }).id;
    await knex.transaction(async (trx) => {
      for (const label of labels) {
        const [seq] = await takeConversationSeqs(trx, conversationId, 1);
        await insertMessage(trx, {
          organization_id: a.organizationId, conversation_id: conversationId, seq: seq!, author_type: 'system', author_id: null,
          content: { type: 'text' as const, text: label }, text: label, postback: null, client_message_id: null,
        });
      }
    });
    // The organization's message list pages by time; the conversation's history by sequence number.
    expect(await allPages(a.identity('admin'), `/v2/messages?conversation=${token}&limit=7`, 'text')).toEqual(labels);
    const history = ok(await api.call(agent, 'GET', `/v2/conversations/${token}/messages?limit=100`)) as unknown as Array<{ text: string }>;
    expect(history.map((message) => message.text)).toEqual(labels);
  });
});
