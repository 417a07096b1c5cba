import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKFILL_REPLY_TIMES } from '../../migrations/20261215200000_add_message_reply_times.js';
import type { Identity } from '../../src/contract/identity.js';
import { takeConversationSeqs } from '../../src/db/outbox.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';
import { addVisitor, ok, startConversation, text } from './resources/chat-fixtures.js';
import { insertChat } from './statistics-fixtures.js';

// Reply times are stored with the reply when it is written, and the history older than that was
// filled by the migration with the same rule: the first agent or bot message after a run of
// visitor messages, from the first of them; system messages are neither.
//
// Through the API (times are the database's, so each expected reply is the difference of two
// stored `created_at`, chosen by the rule from this literal list):
//   agent "Welcome" (nothing to answer) · visitor v1 · visitor v2 · agent a1 (a1 − v1) ·
//   agent a2 (a second answer in a row: none) · visitor v3 · system · bot b1 (b1 − v3) · visitor v4 (unanswered)
// Written into the tables (seconds after the start), for the migration's backfill:
//   agent 0 · visitor 5 · visitor 20 · bot 35 (30) · agent 50 · visitor 70 · system 80 · agent 110 (40) · visitor 130

interface StoredMessage {
  id: string;
  label: string;
  author_type: string;
  created_us: number;
  reply_us: number | null;
}

const SCRIPT: Array<[label: string, as: 'visitor' | 'agent' | 'bot' | 'system']> = [
  ['welcome', 'agent'], ['v1', 'visitor'], ['v2', 'visitor'], ['a1', 'agent'], ['a2', 'agent'], ['v3', 'visitor'], ['system', 'system'], ['b1', 'bot'], ['v4', 'visitor'],
];

describe('statistics: reply times stored with the reply', () => {
  let api: ApiHarness;
  let a: Tenant;
  let conversationId: string;
  const byLabel = new Map<string, StoredMessage>();

  /** Every message of the organization in order, times in microseconds (exact on both backends). */
  async function stored(organizationId: string): Promise<StoredMessage[]> {
    const rows = (await api.runtime.db.knex('messages').where({ organization_id: organizationId }).orderBy(['conversation_id', 'seq'])
      .select('id', 'author_type', 'text as label', api.runtime.db.knex.raw('(extract(epoch from created_at) * 1000000)::bigint as created_us'),
        api.runtime.db.knex.raw('(reply_seconds * 1000000)::bigint as reply_us'))) as Array<Record<string, string | number | null>>;
    return rows.map((row) => ({
      id: String(row.id), label: String(row.label), author_type: String(row.author_type),
      created_us: Number(row.created_us), reply_us: row.reply_us === null ? null : Number(row.reply_us),
    }));
  }

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Reply times');
    const knex = api.runtime.db.knex;
    const visitor = await addVisitor(api, a);
    const token = await startConversation(api, a, visitor);
    conversationId = ((await knex('conversations').where({ token }).first('id')) as { id: string }).id;
    const as: Record<'visitor' | 'agent' | 'bot', Identity> = { visitor: visitor.identity, agent: a.identity('agent'), bot: a.identity('bot') };
    for (const [label, author] of SCRIPT) {
      if (author === 'system') {
        // The platform writes system messages itself; no caller can.
        const [seq] = await takeConversationSeqs(knex, conversationId, 1);
        await knex('messages').insert({ organization_id: a.organizationId, conversation_id: conversationId, seq, author_type: 'system', text: label, content: JSON.stringify(text(label)) });
      } else {
        ok(await api.call(as[author], 'POST', `/v2/conversations/${token}/messages`, { content: text(label) }), 201);
      }
    }
    for (const message of await stored(a.organizationId)) byLabel.set(message.label, message);
  });
  afterAll(() => api.close());

  const at = (label: string) => byLabel.get(label)!.created_us;

  it('a reply written through the API stores its time from the first visitor message of the run', () => {
    expect(SCRIPT.map(([label]) => [label, byLabel.get(label)!.author_type, byLabel.get(label)!.reply_us])).toEqual([
      ['welcome', 'agent', null], ['v1', 'visitor', null], ['v2', 'visitor', null], ['a1', 'agent', at('a1') - at('v1')],
      ['a2', 'agent', null], ['v3', 'visitor', null], ['system', 'system', null], ['b1', 'bot', at('b1') - at('v3')], ['v4', 'visitor', null],
    ]);
    // From the first of the two visitor messages, not the second.
    expect(at('v2')).toBeGreaterThan(at('v1'));
  });

  it('the statistic aggregates exactly those replies', async () => {
    const from = new Date(Math.floor(at('welcome') / 1000) - 3_600_000).toISOString();
    const to = new Date(Math.floor(at('v4') / 1000) + 3_600_000).toISOString();
    const res = await api.call(a.identity('agent'), 'GET', `/v2/statistics/chats?${new URLSearchParams({ from, to, tz: 'UTC', interval: 'day' })}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const reply = (res.body.data as { totals: { reply_time: Record<string, number> } }).totals.reply_time;
    const [low, high] = [at('a1') - at('v1'), at('b1') - at('v3')].sort((x, y) => x - y).map((us) => us / 1_000_000) as [number, number];
    // Two values: the median is their mean; p90 interpolates at rank 0.9 between them.
    const expected = { count: 2, avg: (low + high) / 2, median: (low + high) / 2, p90: low + 0.9 * (high - low) };
    expect(reply.count).toBe(2);
    for (const key of ['avg', 'median', 'p90'] as const) expect(Math.abs(reply[key]! - expected[key]), key).toBeLessThanOrEqual(0.0011);
  });

  it("the migration's backfill gives the history the same times", async () => {
    const knex = api.runtime.db.knex;
    await insertChat(knex, a.organizationId, { started: '2026-03-02T10:00:00Z', messages: [
      ['agent', 0], ['visitor', 5], ['visitor', 20], ['bot', 35], ['agent', 50], ['visitor', 70], ['system', 80], ['agent', 110], ['visitor', 130],
    ] });
    const written = await stored(a.organizationId);
    await knex('messages').where({ organization_id: a.organizationId }).update({ reply_seconds: null });
    await knex.raw(BACKFILL_REPLY_TIMES);
    const filled = await stored(a.organizationId);
    expect(filled).toEqual(written);
    const history = filled.filter((message) => message.reply_us !== null && !byLabel.has(message.label));
    expect(history.map((message) => [message.author_type, message.reply_us])).toEqual([['bot', 30_000_000], ['agent', 40_000_000]]);
  });
});
