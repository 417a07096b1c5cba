import type { TicketStatus } from '../contract/operations/tickets.js';
import { AppError } from '../shared/errors.js';

/**
 * The ticket state machine (DESIGN.md "Tickets", Zendesk's rules), in one table: where each
 * status may go. Nothing goes back to `new`; `closed` is reached only from `solved` (by hand or by
 * the auto-close step) and leads nowhere; a reply to it makes a follow-up ticket instead.
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ['open', 'pending', 'on_hold', 'solved'],
  open: ['pending', 'on_hold', 'solved'],
  pending: ['open', 'on_hold', 'solved'],
  on_hold: ['open', 'pending', 'solved'],
  solved: ['open', 'closed'],
  closed: [],
};

/** The statuses a requester's reply reopens to `open` (DESIGN.md). */
export const REOPENED_BY_REQUESTER: readonly TicketStatus[] = ['pending', 'on_hold', 'solved'];

/**
 * Refuses a move the table does not allow (409 `invalid_transition`, naming the allowed ones), and
 * solving a ticket nobody is assigned to (409 `assignee_required`). Staying put is no move.
 */
export function checkTransition(ticket: { status: TicketStatus; assignee_id: string | null }, to: TicketStatus): void {
  if (ticket.status === to) return;
  const allowed = TICKET_TRANSITIONS[ticket.status];
  if (!allowed.includes(to)) {
    const choices = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it is final';
    throw new AppError('invalid_transition', `A ${ticket.status} ticket cannot become ${to} (${choices}).`, { details: { from: ticket.status, to, allowed } });
  }
  if (to === 'solved' && ticket.assignee_id === null) {
    throw new AppError('assignee_required', 'A ticket needs an assignee to be solved: assign it first (PATCH assignee_id).', { details: { from: ticket.status, to } });
  }
}
