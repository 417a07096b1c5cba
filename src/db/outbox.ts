import type { Knex } from 'knex';
import { jsonb } from './jsonb.js';
import type { OutboxRow } from './outbox-reads.js';

export type { OutboxRow } from './outbox-reads.js';

/**
 * The next `count` sequence numbers of a conversation's events, taken in the change's
 * transaction: the row lock orders concurrent writers, so numbers are gapless and never repeat.
 */
export async function takeConversationSeqs(knex: Knex, conversationId: string, count: number): Promise<number[]> {
  const [row] = (await knex('conversations').where({ id: conversationId })
    .increment('last_event_seq', count).returning('last_event_seq')) as { last_event_seq: number | string }[];
  if (!row) throw new Error(`no conversation ${conversationId} to number events of`);
  const last = Number(row.last_event_seq);
  return Array.from({ length: count }, (_, index) => last - count + 1 + index);
}

/** Outbox rows of one change, in its transaction. Only domain/record-change.ts calls this. */
export async function insertOutboxEvents(knex: Knex, rows: Omit<OutboxRow, 'id' | 'created_at' | 'dispatched_at' | 'position'>[]): Promise<void> {
  if (rows.length === 0) return;
  await knex('outbox_events').insert(rows.map((row) => ({
    ...row,
    data: jsonb(knex, row.data),
    changes: row.changes === null ? null : jsonb(knex, row.changes),
  })));
}
