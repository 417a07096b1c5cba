import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../shared/errors.js';

/**
 * CSRF tokens bound to something only the victim's browser holds: the interaction uid (from the
 * provider's interaction cookie) or the login session's uid. An attacker can neither read nor
 * compute the token for someone else's interaction or session, and no extra cookie is needed.
 */
export function createCsrf(key: Buffer) {
  const tokenFor = (purpose: string, binding: string) =>
    createHmac('sha256', key).update(`${purpose}\0${binding}`).digest('base64url');
  return {
    tokenFor,
    verify(purpose: string, binding: string, presented: unknown): void {
      const expected = Buffer.from(tokenFor(purpose, binding));
      const given = Buffer.from(typeof presented === 'string' ? presented : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AppError('forbidden', 'The form has expired or did not come from this site. Go back, reload the page and try again.');
      }
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
