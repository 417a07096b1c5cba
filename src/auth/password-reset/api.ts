import type { Middleware, ParameterizedContext } from 'koa';
import { z } from 'zod';
import { PASSWORD_RESET_API_PATH, PASSWORD_RESET_CONFIRM_API_PATH } from '../../contract/auth-routes.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { localeFromAcceptLanguage } from '../../shared/mail-locales.js';
import { parseBody, readJson } from '../http/json-body.js';
import { clientIp } from '../http/public-origin.js';
import type { ResetThrottle } from './throttle.js';
import type { ResetRequests } from './requests.js';

// Any address an account can have (the first admin's default is `admin@localhost`, which a strict
// email schema refuses): something@something, no spaces, as long as the users table allows.
export const accountEmail = z.string({ error: 'must be an email address' }).trim().min(1, 'is required').max(254, 'must be at most 254 characters').regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const requestBody = z.strictObject({ email: accountEmail });
// The password's policy is checked by the reset itself (one message for pages and API).
const confirmBody = z.strictObject({ token: z.string().min(1, 'is required').max(200, 'must be at most 200 characters'), password: z.string().max(1024, 'must be at most 1024 characters') });

/** The one answer to every accepted reset request, whatever the address. */
export const RESET_REQUESTED = 'If an account with this address can sign in, a link to reset its password is on its way to it.';

/**
 * Password reset as JSON on the auth server (issue 18), beside the seed-001 token API:
 * - `POST /v2/auth/password-reset {email}` → 202 and the same body for every address;
 * - `POST /v2/auth/password-reset/confirm {token, password}` → 200; every session and token of the
 *   account is revoked. A refused link is 404/409/422 with `details.reason`.
 */
export function passwordResetApi(deps: {
  throttle: ResetThrottle;
  requests: ResetRequests;
  clock: Clock;
  complete(input: { token: string; password: string; now: number; locale: ReturnType<typeof localeFromAcceptLanguage> }): Promise<unknown>;
}): Middleware {
  async function request(ctx: ParameterizedContext): Promise<void> {
    const input = parseBody(requestBody, await readJson(ctx));
    await deps.throttle.consume(input.email, clientIp(ctx.req.headers, ctx.req.socket.remoteAddress));
    deps.requests.submit(input.email, localeFromAcceptLanguage(ctx.get('accept-language') || undefined));
    ctx.status = 202;
    ctx.body = { ok: true, message: RESET_REQUESTED };
  }

  async function confirm(ctx: ParameterizedContext): Promise<void> {
    const input = parseBody(confirmBody, await readJson(ctx));
    await deps.complete({ ...input, now: deps.clock.now(), locale: localeFromAcceptLanguage(ctx.get('accept-language') || undefined) });
    ctx.body = { ok: true, message: 'The password was changed. Every session and token of the account was signed out; sign in with the new password.' };
  }

  return async function passwordReset(ctx, next) {
    const handler = ctx.path === PASSWORD_RESET_API_PATH ? request : ctx.path === PASSWORD_RESET_CONFIRM_API_PATH ? confirm : undefined;
    if (!handler) return next();
    ctx.set('cache-control', 'no-store');
    if (ctx.method !== 'POST') {
      ctx.set('allow', 'POST');
      throw new AppError('method_not_allowed', `${ctx.method} is not allowed here; use POST.`);
    }
    await handler(ctx);
  };
}
