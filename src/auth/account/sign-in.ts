import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { ROUTES } from '../provider/configuration.js';
import { ACCOUNT_CLIENT_ID, accountCallbackPath } from './first-party-client.js';

// Starting the provider's sign-in for our own pages, and coming back to the page that asked
// (issue 17: the invitation page signs its invitee in, then asks them to confirm; issue 11: the
// webhook settings page).

const returnCookie = 'gh_after_sign_in';
// Only our own pages are return targets: never an open redirect.
const returnable = /^(?:\/account\/invitation\?token=[A-Za-z0-9_-]{1,200}|\/account\/webhooks)$/;

/** The authorization URL of the account client; `forceLogin` asks for the password even with a session. */
export function signInUrl(publicUrl: string, options: { forceLogin?: boolean } = {}): string {
  const url = new URL(ROUTES.authorization, publicUrl);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'none',
    redirect_uri: `${publicUrl}${accountCallbackPath}`,
    scope: 'openid',
    state: randomBytes(12).toString('base64url'),
    ...(options.forceLogin ? { prompt: 'login' } : {}),
  }).toString();
  return url.href;
}

/** Remembers where to go after the sign-in that follows (a signed cookie, 15 minutes). */
export function rememberReturn(ctx: Context, path: string, secure: boolean): void {
  if (!returnable.test(path)) throw new Error(`not a return target: ${path}`);
  ctx.cookies.set(returnCookie, path, { path: '/account', httpOnly: true, sameSite: 'lax', secure, maxAge: 15 * 60_000, signed: true });
}

/** The remembered page (forgotten once read), or `/account`. */
export function takeReturn(ctx: Context): string {
  const path = ctx.cookies.get(returnCookie, { signed: true });
  if (path !== undefined) ctx.cookies.set(returnCookie, null, { path: '/account', signed: true });
  return path !== undefined && returnable.test(path) ? path : '/account';
}
