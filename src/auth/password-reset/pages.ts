import { randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Knex } from 'knex';
import {
  renderOnboardingDone, renderPasswordResetForm, renderPasswordResetRequest, renderPasswordResetRequested,
} from '../../../views/index.js';
import { PASSWORD_RESET_CONFIRM_PAGE, PASSWORD_RESET_PAGE } from '../../contract/auth-routes.js';
import { accountOfResetLink } from '../../domain/password-resets.js';
import { hashLinkToken } from '../../domain/link-tokens.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { localeFromAcceptLanguage, type MailLocale } from '../../shared/mail-locales.js';
import { passwordError } from '../../shared/password-policy.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { clientIp } from '../http/public-origin.js';
import { accountEmail, RESET_REQUESTED } from './api.js';
import type { ResetRequests } from './requests.js';
import type { ResetThrottle } from './throttle.js';

export interface ResetPagesDeps {
  knex: Knex;
  clock: Clock;
  csrf: Csrf;
  throttle: ResetThrottle;
  requests: ResetRequests;
  secureCookies: boolean;
  complete(input: { token: string; password: string; now: number; locale: MailLocale | undefined }): Promise<{ email: string }>;
}

// The request form has no session and no link to bind its CSRF token to: a random value in a
// cookie of its own is the binding (a cross-site form cannot read it).
const FORM_COOKIE = 'gh_reset_form';
const tokenShape = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * "Forgot password?" on the login page (issue 18): ask for a link (the answer is the same for
 * every address, sent before the lookup: requests.ts), then choose the new password on the page
 * the link opens. The link's checks are the domain's (domain/password-resets.ts).
 */
export function passwordResetPages(deps: ResetPagesDeps): Router {
  const router = new Router();
  const locale = (ctx: Context) => localeFromAcceptLanguage(ctx.get('accept-language') || undefined);

  function html(ctx: Context, body: string, status = 200): void {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  }

  function formBinding(ctx: Context): string {
    let value = ctx.cookies.get(FORM_COOKIE, { signed: true });
    if (!value || !tokenShape.test(value)) {
      value = randomBytes(16).toString('base64url');
      ctx.cookies.set(FORM_COOKIE, value, { path: PASSWORD_RESET_PAGE, httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, signed: true });
    }
    return value;
  }

  const requestForm = (ctx: Context, extra: { email?: string; error?: string } = {}) =>
    renderPasswordResetRequest({ action: PASSWORD_RESET_PAGE, csrfToken: deps.csrf.tokenFor('password-reset', formBinding(ctx)), ...extra });

  function tokenOf(value: unknown): string {
    if (typeof value !== 'string' || !tokenShape.test(value)) {
      throw new AppError('not_found', 'This password-reset link is not valid. Open the link exactly as it is in the mail, or ask for a new one.', { details: { reason: 'invalid' } });
    }
    return value;
  }

  router.get(PASSWORD_RESET_PAGE, async (ctx) => html(ctx, requestForm(ctx)));

  router.post(PASSWORD_RESET_PAGE, async (ctx) => {
    const form = await readForm(ctx);
    deps.csrf.verify('password-reset', ctx.cookies.get(FORM_COOKIE, { signed: true }) ?? '', single(form, 'csrf'));
    const email = (single(form, 'email') ?? '').trim();
    if (!accountEmail.safeParse(email).success) return html(ctx, requestForm(ctx, { email, error: 'Enter the email address you sign in with.' }), 400);
    await deps.throttle.consume(email, clientIp(ctx.req.headers, ctx.req.socket.remoteAddress));
    deps.requests.submit(email, locale(ctx));
    html(ctx, renderPasswordResetRequested({ message: RESET_REQUESTED }));
  });

  const resetForm = (token: string, email: string, error?: string) => renderPasswordResetForm({
    action: PASSWORD_RESET_CONFIRM_PAGE, csrfToken: deps.csrf.tokenFor('password-reset-confirm', hashLinkToken(token)), token, email, ...(error ? { error } : {}),
  });

  router.get(PASSWORD_RESET_CONFIRM_PAGE, async (ctx) => {
    const token = tokenOf(ctx.query.token);
    const user = await accountOfResetLink(deps.knex, token, deps.clock.now());
    html(ctx, resetForm(token, user.email));
  });

  router.post(PASSWORD_RESET_CONFIRM_PAGE, async (ctx) => {
    const form = await readForm(ctx);
    const token = tokenOf(single(form, 'token'));
    deps.csrf.verify('password-reset-confirm', hashLinkToken(token), single(form, 'csrf'));
    const user = await accountOfResetLink(deps.knex, token, deps.clock.now());
    const password = single(form, 'password') ?? '';
    const error = password !== (single(form, 'password_confirm') ?? '') ? 'The two passwords differ.' : passwordError(password);
    if (error) return html(ctx, resetForm(token, user.email, error), 400);
    const { email } = await deps.complete({ token, password, now: deps.clock.now(), locale: locale(ctx) });
    html(ctx, renderOnboardingDone({
      title: 'Your password was changed',
      message: `Every session and token of ${email} was signed out. Sign in with the new password.`,
      next: { href: '/account', label: 'Sign in' },
    }));
  });

  return router;
}
