import type { Knex } from 'knex';
import type { EventType } from '../contract/events.js';
import { jsonb } from './jsonb.js';

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
  created_at: Date;
  dispatched_at: Date | null;
}

/** Outbox rows of one change, in its transaction. Only domain/record-change.ts calls this. */
export async function insertOutboxEvents(knex: Knex, rows: Omit<OutboxRow, 'id' | 'created_at' | 'dispatched_at'>[]): Promise<void> {
  if (rows.length === 0) return;
  await knex('outbox_events').insert(rows.map((row) => ({
    ...row,
    data: jsonb(knex, row.data),
    changes: row.changes === null ? null : jsonb(knex, row.changes),
  })));
}
