import type { Knex } from 'knex';
import type { EventType } from '../contract/events.js';

// Reading the outbox (live streams, later the webhook worker). Writing it is record-change's alone
// (src/db/outbox.ts, behind a lint rule).

/**
 * Published on the bus after a change with events commits: every API process's live tail and every
 * webhook worker then reads the outbox (they also poll, should a wake-up be lost).
 */
export const OUTBOX_CHANNEL = 'outbox.committed';

export interface OutboxRow {
  id: string;
  organization_id: string;
  type: EventType;
  actor_type: string;
  actor_id: string;
  resource_type: string;
  resource_id: string;
  data: Record<string, unknown>;
  changes: Record<string, unknown> | null;
  request_id: string | null;
  /** The conversation the event belongs to, with its sequence number there (SSE `id`). */
  conversation_id: string | null;
  seq: number | null;
  /** Installation-wide order of events (`/events` resumes by it). */
  position: number;
  created_at: Date;
  dispatched_at: Date | null;
}

type RawOutboxRow = Omit<OutboxRow, 'seq' | 'position'> & { seq: number | string | null; position: number | string };

/** bigint columns come back as strings from `pg` and as numbers from PGlite. */
function normalise(row: RawOutboxRow): OutboxRow {
  return { ...row, seq: row.seq === null ? null : Number(row.seq), position: Number(row.position) };
}

/** The latest `count` positions written, ascending. */
export async function recentOutboxPositions(knex: Knex, count: number): Promise<number[]> {
  const rows = (await knex('outbox_events').select('position').orderBy('position', 'desc').limit(count)) as { position: number | string }[];
  return rows.map((row) => Number(row.position)).reverse();
}

/** Every organization's events after `position`, in position order (the live tail). */
export async function readOutboxAfter(knex: Knex, position: number, limit: number): Promise<OutboxRow[]> {
  const rows = (await knex('outbox_events').where('position', '>', position).orderBy('position').limit(limit)) as RawOutboxRow[];
  return rows.map(normalise);
}

/** A conversation's events after sequence number `seq`, in order (a stream's replay). */
export async function readConversationEvents(knex: Knex, conversationId: string, seq: number, limit: number): Promise<OutboxRow[]> {
  const rows = (await knex('outbox_events').where({ conversation_id: conversationId }).where('seq', '>', seq).orderBy('seq').limit(limit)) as RawOutboxRow[];
  return rows.map(normalise);
}

/** An organization's events after `position`, in position order (`/events` replay). */
export async function readOrganizationEvents(knex: Knex, organizationId: string, position: number, limit: number): Promise<OutboxRow[]> {
  const rows = (await knex('outbox_events').where({ organization_id: organizationId }).where('position', '>', position).orderBy('position').limit(limit)) as RawOutboxRow[];
  return rows.map(normalise);
}
