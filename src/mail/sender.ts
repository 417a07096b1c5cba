import type { Knex } from 'knex';
import { claimDueMails, nextDueAt, recordAttempt, type AttemptOutcome, type MailRow } from '../db/mails.js';
import { MAIL_CHANNEL } from '../domain/mails.js';
import type { EventBus } from '../shared/bus.js';
import type { Clock } from '../shared/clock.js';
import type { Config } from '../shared/config/index.js';
import { startDrainLoop } from '../shared/drain-loop.js';
import type { Logger } from '../shared/logger.js';
import { describeError, isPermanent, type MailTransport } from './transport.js';

export type SenderSettings = Pick<Config, 'MAIL_MAX_ATTEMPTS' | 'MAIL_RETRY_BASE_MS' | 'MAIL_RETRY_MAX_MS' | 'MAIL_POLL_INTERVAL_MS' | 'MAIL_TIMEOUT_MS'>;

export interface MailSender {
  /** Looks for due mails now (the bus does this when a mail is written). */
  wake(): void;
  /** Stops claiming, lets the sends in flight finish. */
  stop(): Promise<void>;
}

const BATCH = 10;

/**
 * Exponential backoff with equal jitter (half fixed, half random): the n-th retry waits between
 * half and all of base·2ⁿ⁻¹, at most `max`, so failing mails neither hammer a recovering server
 * nor retry in lockstep.
 */
export function retryDelayMs(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The mail sender (issue 18): claims due mails (db/mails.ts), sends each over the transport and
 * records the attempt. It runs when woken on the event bus after a mail's transaction commits,
 * when the earliest retry falls due, and every MAIL_POLL_INTERVAL_MS in any case (a wake-up
 * published on another process's in-process bus, or lost, only delays a mail).
 */
export function startMailSender(deps: {
  knex: Knex; bus: EventBus; clock: Clock; logger: Logger; transport: MailTransport; config: SenderSettings;
}): MailSender {
  const { knex, clock, logger, transport, config } = deps;
  const leaseMs = config.MAIL_TIMEOUT_MS * 10;
  let running = true;

  async function deliver(mail: MailRow): Promise<void> {
    const startedAt = new Date(clock.now());
    let result: AttemptOutcome;
    try {
      await transport.send({ messageId: mail.id, to: mail.recipient, subject: mail.subject, text: mail.body, html: mail.html ?? undefined, locale: mail.locale });
      result = { outcome: 'sent' };
    } catch (err) {
      const error = describeError(err);
      result = isPermanent(err) || mail.attempts >= config.MAIL_MAX_ATTEMPTS
        ? { outcome: 'failed', error }
        : { outcome: 'retry', error, nextAttemptAt: new Date(clock.now() + retryDelayMs(mail.attempts, config.MAIL_RETRY_BASE_MS, config.MAIL_RETRY_MAX_MS)) };
    }
    await recordAttempt(knex, mail, startedAt, new Date(clock.now()), result);
    const log = { mail_id: mail.id, purpose: mail.purpose, attempt: mail.attempts };
    if (result.outcome === 'sent') logger.info(log, 'mail sent');
    else logger.warn({ ...log, error: result.error, ...(result.outcome === 'retry' ? { next_attempt_at: result.nextAttemptAt } : {}) }, result.outcome === 'failed' ? 'mail failed' : 'mail send failed; will retry');
  }

  async function drain(): Promise<void> {
    while (running) {
      const batch = await claimDueMails(knex, { now: new Date(clock.now()), leaseMs, limit: BATCH });
      if (batch.length === 0) return;
      await Promise.all(batch.map((mail) => deliver(mail).catch((err: unknown) => logger.error({ err, mail_id: mail.id }, 'could not record a mail attempt'))));
    }
  }

  const loop = startDrainLoop({
    drain, nextDueAt: () => nextDueAt(knex), pollMs: config.MAIL_POLL_INTERVAL_MS, clock, logger,
    messages: { drainFailed: 'could not claim mails; trying again later', nextDueFailed: 'could not read when the next mail is due' },
  });
  const wake = (): void => loop.kick();

  const unsubscribe = deps.bus.subscribe(MAIL_CHANNEL, wake);
  wake();

  return {
    wake,
    async stop() {
      running = false;
      unsubscribe();
      await loop.stop();
      transport.close();
    },
  };
}
