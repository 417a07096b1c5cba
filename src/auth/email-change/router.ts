import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Knex } from 'knex';
import { renderEmailChangeConfirm, renderEmailSection, renderOnboardingDone } from '../../../views/index.js';
import { EMAIL_CHANGE_CONFIRM_PAGE, EMAIL_CHANGE_PAGE } from '../../contract/auth-routes.js';
import { email as emailSchema } from '../../contract/schemas.js';
import { confirmEmailChange, emailChangeOfLink, requestEmailChange, type EmailChangeContext } from '../../domain/email-changes.js';
import { hashLinkToken } from '../../domain/link-tokens.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { localeFromAcceptLanguage } from '../../shared/mail-locales.js';
import { verifyPassword } from '../../shared/password.js';
import type { AccountSectionSource } from '../account/router.js';
import type { signedInUser } from '../account/session.js';
import type { LoginThrottle } from '../accounts/login-throttle.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { clientIp } from '../http/public-origin.js';

export interface EmailChangeDeps {
  knex: Knex;
  clock: Clock;
  csrf: Csrf;
  context: EmailChangeContext;
  /** The login's throttle: the form checks a password, so it counts like a sign-in. */
  throttle: LoginThrottle;
  signedIn(ctx: Context): ReturnType<typeof signedInUser>;
}

const tokenShape = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * "Email address" on the account page (issue 18): the signed-in owner, proving the current
 * password again, asks for a new address; the link mailed there confirms it (domain/email-changes).
 */
export function emailChange(deps: EmailChangeDeps): { section: AccountSectionSource; routes: Middleware } {
  const router = new Router();
  const locale = (ctx: Context) => localeFromAcceptLanguage(ctx.get('accept-language') || undefined);

  function html(ctx: Context, body: string): void {
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  }

  function tokenOf(value: unknown): string {
    if (typeof value !== 'string' || !tokenShape.test(value)) throw new AppError('not_found', 'This confirmation link is not valid. Open the link exactly as it is in the mail.', { details: { reason: 'invalid' } });
    return value;
  }

  const section: AccountSectionSource = async (_ctx, viewer) => ({
    id: 'email',
    title: 'Email address',
    body: renderEmailSection({ email: viewer.user.email, action: EMAIL_CHANGE_PAGE, csrfToken: viewer.csrfToken }),
  });

  router.post(EMAIL_CHANGE_PAGE, async (ctx) => {
    const viewer = await deps.signedIn(ctx);
    if (!viewer) throw new AppError('invalid_auth', 'Sign in again to change your email address.');
    const form = await readForm(ctx);
    deps.csrf.verify('account', viewer.sessionUid, single(form, 'csrf'));
    const newEmail = (single(form, 'email') ?? '').trim();
    if (!emailSchema.safeParse(newEmail).success) throw new AppError('validation_failed', 'Enter the new email address.', { details: { fields: [{ field: 'email', message: 'must be an email address' }] } });
    const ip = clientIp(ctx.req.headers, ctx.req.socket.remoteAddress);
    const wait = await deps.throttle.blockedFor(viewer.user.email, ip);
    if (wait > 0) throw new AppError('rate_limited', `Too many wrong passwords. Try again in ${Math.ceil(wait / 60)} minute(s).`, { headers: { 'retry-after': String(wait) } });
    if (!(await verifyPassword(viewer.user.password_hash, single(form, 'password') ?? ''))) {
      await deps.throttle.recordFailure(viewer.user.email, ip);
      throw new AppError('invalid_credentials', 'The current password is not correct; the address was not changed.');
    }
    await deps.throttle.recordSuccess(viewer.user.email, ip);
    await requestEmailChange(deps.knex, deps.context, { user: viewer.user, newEmail, now: deps.clock.now(), locale: locale(ctx) });
    html(ctx, renderOnboardingDone({
      title: 'Check your new mailbox',
      message: `We mailed a link to ${newEmail}. Your address changes when you open it; until then you sign in as ${viewer.user.email}.`,
      next: { href: '/account', label: 'Back to your account' },
    }));
  });

  router.get(EMAIL_CHANGE_CONFIRM_PAGE, async (ctx) => {
    const token = tokenOf(ctx.query.token);
    const change = await emailChangeOfLink(deps.knex, token, deps.clock.now());
    html(ctx, renderEmailChangeConfirm({ action: EMAIL_CHANGE_CONFIRM_PAGE, csrfToken: deps.csrf.tokenFor('email-change', hashLinkToken(token)), token, ...change }));
  });

  // The change happens on this POST, never on the GET a mail scanner may make.
  router.post(EMAIL_CHANGE_CONFIRM_PAGE, async (ctx) => {
    const form = await readForm(ctx);
    const token = tokenOf(single(form, 'token'));
    deps.csrf.verify('email-change', hashLinkToken(token), single(form, 'csrf'));
    const change = await confirmEmailChange(deps.knex, deps.context, { token, now: deps.clock.now(), locale: locale(ctx) });
    html(ctx, renderOnboardingDone({
      title: 'Your address was changed',
      message: `You now sign in as ${change.newEmail}. We told ${change.oldEmail} about the change.`,
      next: { href: '/account', label: 'Your account' },
    }));
  });

  return { section, routes: router.routes() as Middleware };
}
