import type { Knex } from 'knex';
import { requestPasswordReset, type ResetContext } from '../../domain/password-resets.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { MailLocale } from '../../shared/mail-locales.js';

/**
 * No enumeration (issue 18): the answer to "reset the password of this address" is sent before
 * Gatehouse looks the address up. Whether an account exists, and so whether a link is written and
 * mailed, decides nothing the asker can see or time: not the status, not the body, not how long
 * the answer took. The lookup and the mail run right after, in this process; shutdown waits for
 * them.
 */
export interface ResetRequests {
  submit(email: string, locale: MailLocale | undefined): void;
  /** Resolves when every submitted request has been handled. */
  settled(): Promise<void>;
}

export function createResetRequests(deps: { knex: Knex; context: ResetContext; clock: Clock; logger: Logger }): ResetRequests {
  const pending = new Set<Promise<void>>();
  return {
    submit(email, locale) {
      const now = deps.clock.now();
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => requestPasswordReset(deps.knex, deps.context, { email, now, locale }))
        .catch((err: unknown) => deps.logger.error({ err }, 'a password-reset request failed'))
        .finally(() => pending.delete(work));
      pending.add(work);
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
