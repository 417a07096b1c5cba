import { positiveInt } from './fields.js';

/**
 * Settings of the helpdesk (issue 12, DESIGN.md "Tickets"): when solved tickets close by
 * themselves. Keys are environment-variable names; every field carries its default and a
 * one-line description.
 */
export const ticketsFields = {
  TICKET_AUTO_CLOSE_DAYS: positiveInt(4)
    .describe('Days after which a solved ticket closes by itself (a reply after that opens a follow-up ticket).'),
  TICKET_AUTO_CLOSE_INTERVAL_MS: positiveInt(60_000)
    .describe('How often the API process looks for solved tickets due to close.'),
} as const;
