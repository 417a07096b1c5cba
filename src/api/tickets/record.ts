import type { Knex } from 'knex';
import type { EventType } from '../../contract/events.js';
import type { TICKET_EVENT_TYPES } from '../../contract/operations/tickets.js';
import { recordChange, type Actor } from '../../domain/record-change.js';
import { presentTicket } from './present.js';
import { findTicket, insertTicketEvent, type TicketRow } from './queries.js';

/** One row of the ticket's own history (`GET /tickets/{id}/events`). */
export interface HistoryEntry {
  type: (typeof TICKET_EVENT_TYPES)[number];
  changes: Record<string, unknown> | null;
}

/**
 * Every change of a ticket ends here, inside its transaction, after the change is written: the
 * ticket's history rows, then the one write path (audit row and outbox events, each carrying the
 * ticket as the API returns it). Returns the ticket as it now is.
 */
export async function recordTicketChange(trx: Knex, actor: Actor, change: {
  ticketId: string;
  action: string;
  history: readonly HistoryEntry[];
  events: readonly EventType[];
  changes: Record<string, unknown>;
}): Promise<TicketRow> {
  const org = actor.identity.org;
  for (const entry of change.history) {
    await insertTicketEvent(trx, {
      organization_id: org, ticket_id: change.ticketId, type: entry.type, actor_type: actor.identity.kind, actor_id: actor.identity.sub, changes: entry.changes,
    });
  }
  const row = (await findTicket(trx, org, change.ticketId))!;
  const data = presentTicket(row);
  await recordChange(trx, actor, {
    action: change.action, resourceType: 'ticket', resourceId: change.ticketId, changes: change.changes,
    events: change.events.map((type) => ({ type, data })),
  });
  return row;
}

/** `{field: {from, to}}` of the fields whose value differs. */
export function differences(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [field, to] of Object.entries(after)) {
    const from = before[field];
    if (JSON.stringify(from) !== JSON.stringify(to)) out[field] = { from: from ?? null, to };
  }
  return out;
}
