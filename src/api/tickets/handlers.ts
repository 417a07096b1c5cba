import { ticketMessageOperations, ticketOperations, ticketStatusOperations } from '../../contract/operations/tickets.js';
import { visitorToken } from '../../contract/schemas.js';
import { callerOf, deletedResult, implement, type InputOf } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { postTicketMessage } from './messages.js';
import { presentTicket, presentTicketDetails, presentTicketEvent, presentTicketMessage } from './present.js';
import { findTicket, listTicketEvents, listTicketMessages, listTickets } from './queries.js';
import { createTicket, removeTicket, updateTicket } from './service.js';
import { setTicketStatus } from './status.js';

// Seed 002 "Tickets", paths as written. Every query carries the caller's organization: another
// organization's ticket is not_found, like one that does not exist.

export const ticketHandlers = implement(ticketOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const { limit, cursor, requester, ...filters } = input.query;
    const by = requester === undefined ? undefined : visitorToken.safeParse(requester).success ? { visitorToken: requester } : { contactId: requester };
    const page = await listTickets(input.knex, identity.org, { ...filters, requester: by }, { limit, cursor });
    return { data: page.rows.map(presentTicket), next_cursor: page.nextCursor };
  },
  async create(input) {
    return { data: await createTicket(input.knex, callerOf(input), input.body) };
  },
  async fetch(input) {
    const row = await findTicket(input.knex, callerOf(input).identity.org, input.params.id);
    if (!row) throw notFound('ticket');
    return { data: await presentTicketDetails(input.knex, row) };
  },
  async update(input) {
    return { data: await updateTicket(input.knex, callerOf(input), input.params.id, input.body) };
  },
  async delete(input) {
    await removeTicket(input.knex, callerOf(input), input.params.id);
    return deletedResult(input.params.id);
  },
});

type StatusInput = InputOf<typeof ticketStatusOperations.put> | InputOf<typeof ticketStatusOperations.patch>;
const changeStatus = async (input: StatusInput) =>
  ({ data: await setTicketStatus(input.knex, callerOf(input), input.params.id, input.body.status, input.operation.name) });

export const ticketStatusHandlers = implement(ticketStatusOperations, { put: changeStatus, patch: changeStatus });

/** The ticket's id, checked in the caller's organization before its rows are read. */
async function ownTicket(input: InputOf<typeof ticketMessageOperations.list> | InputOf<typeof ticketMessageOperations.events>): Promise<string> {
  const row = await findTicket(input.knex, callerOf(input).identity.org, input.params.id);
  if (!row) throw notFound('ticket');
  return row.id;
}

export const ticketMessageHandlers = implement(ticketMessageOperations, {
  async create(input) {
    return { data: await postTicketMessage(input.knex, callerOf(input), input.params.id, input.body) };
  },
  async list(input) {
    const page = await listTicketMessages(input.knex, await ownTicket(input), input.query);
    return { data: page.rows.map(presentTicketMessage), next_cursor: page.nextCursor };
  },
  async events(input) {
    const page = await listTicketEvents(input.knex, await ownTicket(input), input.query);
    return { data: page.rows.map(presentTicketEvent), next_cursor: page.nextCursor };
  },
});
