import { availabilityOperations, statisticsOperations } from '../../contract/operations/statistics.js';
import { callerOf, implement, userCallerOf } from '../handler.js';
import { setAvailability } from './availability.js';
import { chatStatisticsOf } from './chats.js';
import { currentStatisticsOf } from './current.js';

// Statistics (seed 002 `/statistics/current`, seed 000 chat statistics): read-only, agents and
// up, always of the caller's organization.

export const statisticsHandlers = implement(statisticsOperations, {
  async current(input) {
    const { identity } = callerOf(input);
    return { data: await currentStatisticsOf(input.knex, identity.org, input.runtime.clock.now(), input.query.tz) };
  },
  async chats(input) {
    const { identity } = callerOf(input);
    return { data: await chatStatisticsOf(input.knex, identity.org, input.query) };
  },
});

export const availabilityHandlers = implement(availabilityOperations, {
  async update(input) {
    return { data: await setAvailability(input.knex, userCallerOf(input), input.body.availability, new Date(input.runtime.clock.now())) };
  },
});
