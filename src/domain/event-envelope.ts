import type { EventEnvelope } from '../contract/events.js';
import type { OutboxRow } from '../db/outbox-reads.js';

/**
 * The outbox row as a webhook or a live stream receives it (DESIGN.md "Webhooks" envelope): one
 * function, so a webhook and a stream never disagree about an event.
 */
export function envelopeOf(row: OutboxRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type,
    timestamp: row.created_at.toISOString(),
    organization_id: row.organization_id,
    actor: { type: row.actor_type as EventEnvelope['actor']['type'], id: row.actor_id },
    data: row.data,
    ...(row.changes ? { changes: row.changes } : {}),
    ...(row.seq !== null ? { sequence: row.seq } : {}),
  };
}
