import type { Knex } from 'knex';
import { fieldRefused } from '../../contract/field-errors.js';
import { presentMessage, type MessageData } from '../messages/present.js';
import { messagesBySeq } from '../messages/queries.js';

/**
 * Seed 000 "conversation history": a conversation's messages in the order they were posted,
 * keyed by their sequence number rather than a timestamp (concurrent senders may commit out of
 * clock order; the sequence is the conversation's own order). The cursor is the last sequence
 * number of a page; `after` and `before` bound the range the same way (exclusive).
 */
export async function conversationHistory(
  knex: Knex,
  conversationId: string,
  query: { limit: number; cursor?: string | undefined; after?: number | undefined; before?: number | undefined },
): Promise<{ data: MessageData[]; next_cursor: string | null }> {
  const afterSeq = Math.max(query.after ?? 0, query.cursor === undefined ? 0 : decodeSeqCursor(query.cursor));
  const { rows, more } = await messagesBySeq(knex, conversationId, { afterSeq, beforeSeq: query.before, limit: query.limit });
  const last = rows[rows.length - 1];
  return { data: rows.map(presentMessage), next_cursor: more && last ? encodeSeqCursor(Number(last.seq)) : null };
}

function encodeSeqCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

function decodeSeqCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw fieldRefused('cursor', 'is not a cursor this API issued');
  return Number(match[1]);
}
