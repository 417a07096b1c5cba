import type { Knex } from 'knex';
import { canSignIn, findUserByEmail } from '../../db/accounts.js';
import { verifyPassword } from '../../shared/password.js';
import type { LoginThrottle } from './login-throttle.js';

export type LoginOutcome =
  | { ok: true; userId: string }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Email + password. Unknown email, wrong password, disabled user and an account not yet
 * activated by its owner (issue 17) give the same answer after the same argon2 work (a dummy hash
 * for unknown users), so the answer reveals nothing.
 */
export async function authenticate(deps: { knex: Knex; throttle: LoginThrottle }, input: { email: string; password: string; ip: string }): Promise<LoginOutcome> {
  const { email, password, ip } = input;
  const wait = await deps.throttle.blockedFor(email, ip);
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: wait };
  const user = email.length <= 320 ? await findUserByEmail(deps.knex, email) : undefined;
  const valid = await verifyPassword(user?.password_hash, password);
  if (!user || !valid || !canSignIn(user)) {
    await deps.throttle.recordFailure(email, ip);
    return { ok: false, reason: 'invalid_credentials' };
  }
  await deps.throttle.recordSuccess(email, ip);
  return { ok: true, userId: user.id };
}
