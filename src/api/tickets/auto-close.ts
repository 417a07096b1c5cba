import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { closeDueTickets } from './status.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TicketAutoClose {
  /** Closes every ticket due by the clock now; resolves to how many it closed. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep in flight. */
  stop(): Promise<void>;
}

/**
 * DESIGN.md "Tickets": solved tickets close after TICKET_AUTO_CLOSE_DAYS. The API process sweeps
 * every TICKET_AUTO_CLOSE_INTERVAL_MS; the claim skips rows another process holds, so any number
 * of API processes may sweep at once. Time comes from the runtime's clock (tests move it).
 */
export function startTicketAutoClose(deps: {
  knex: Knex; clock: Clock; logger: Logger; config: Pick<Config, 'TICKET_AUTO_CLOSE_DAYS' | 'TICKET_AUTO_CLOSE_INTERVAL_MS'>;
}): TicketAutoClose {
  const { knex, clock, logger, config } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running = true;
  let inFlight: Promise<number> | undefined;

  async function sweep(): Promise<number> {
    const cutoff = new Date(clock.now() - config.TICKET_AUTO_CLOSE_DAYS * DAY_MS);
    const closed = await closeDueTickets(knex, cutoff, `auto-close-${randomUUID()}`);
    if (closed > 0) logger.info({ closed, solved_before: cutoff.toISOString() }, 'closed solved tickets');
    return closed;
  }

  function tick(): void {
    if (!running) return;
    inFlight = sweep()
      .catch((err: unknown) => {
        logger.warn({ err }, 'could not close solved tickets; trying again later');
        return 0;
      })
      .finally(() => {
        inFlight = undefined;
        if (!running) return;
        timer = setTimeout(tick, config.TICKET_AUTO_CLOSE_INTERVAL_MS);
        timer.unref();
      });
  }

  timer = setTimeout(tick, config.TICKET_AUTO_CLOSE_INTERVAL_MS);
  timer.unref();
  return {
    sweep,
    async stop() {
      running = false;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
