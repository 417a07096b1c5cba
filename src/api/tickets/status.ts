import type { Knex } from 'knex';
import type { TicketStatus } from '../../contract/operations/tickets.js';
import type { Actor } from '../../domain/record-change.js';
import { checkTransition } from '../../domain/ticket-status.js';
import type { Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { presentTicketDetails, type TicketDetailsData } from './present.js';
import { claimDueSolvedTickets, findTicket, lockTicket, updateTicketRow } from './queries.js';
import { recordTicketChange } from './record.js';

/** The columns a move from `from` to `to` sets: `solved_at` while solved, `closed_at` once closed. */
export function statusColumns(trx: Knex, from: TicketStatus, to: TicketStatus): Record<string, unknown> {
  const values: Record<string, unknown> = { status: to };
  if (to === 'solved') values.solved_at = trx.fn.now();
  else if (from === 'solved' && to !== 'closed') values.solved_at = null;
  if (to === 'closed') values.closed_at = trx.fn.now();
  return values;
}

async function moveTicket(trx: Knex, actor: Actor, id: string, from: TicketStatus, to: TicketStatus, action: string) {
  await updateTicketRow(trx, id, statusColumns(trx, from, to));
  const status = { from, to };
  return recordTicketChange(trx, actor, {
    ticketId: id, action, history: [{ type: 'status_changed', changes: { status } }], events: ['ticket.status_changed'], changes: { status },
  });
}

/**
 * Seed 002 "Update ticket status" (`PUT` and `PATCH`), by the one table of moves
 * (domain/ticket-status.ts). Setting the current status again writes nothing.
 */
export async function setTicketStatus(knex: Knex, caller: Caller, id: string, to: TicketStatus, action: string): Promise<TicketDetailsData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const current = await lockTicket(trx, org, id);
    if (!current) throw notFound('ticket');
    checkTransition(current, to);
    if (current.status === to) return presentTicketDetails(trx, (await findTicket(trx, org, id))!);
    return presentTicketDetails(trx, await moveTicket(trx, caller, id, current.status, to, action));
  });
}

/** Who closes solved tickets: no caller asked, the helpdesk's own rule did (DESIGN.md). */
export const AUTO_CLOSE_ACTOR = 'ticket-auto-close';

/**
 * Closes tickets solved at or before `cutoff`, `batch` per transaction, each through the one
 * write path as the system. Claims skip rows another process (or a writer) holds, so several API
 * processes sweep side by side without closing a ticket twice; the claim re-reads the status
 * after the lock, so a ticket reopened meanwhile stays open.
 */
export async function closeDueTickets(knex: Knex, cutoff: Date, requestId: string, batch = 100): Promise<number> {
  let closed = 0;
  for (;;) {
    const count = await knex.transaction(async (trx) => {
      const due = await claimDueSolvedTickets(trx, cutoff, batch);
      for (const ticket of due) {
        const actor: Actor = { identity: { sub: AUTO_CLOSE_ACTOR, org: ticket.organization_id, kind: 'system' }, requestId };
        await moveTicket(trx, actor, ticket.id, 'solved', 'closed', 'tickets.autoClose');
      }
      return due.length;
    });
    closed += count;
    if (count < batch) return closed;
  }
}
