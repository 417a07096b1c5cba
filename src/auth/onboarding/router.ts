import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import {
  renderActivate, renderInvitationConfirm, renderInvitationNewAccount, renderInvitationSignIn, renderInvitationWrongAccount,
  renderOnboardingDone,
} from '../../../views/index.js';
import { accountOfActivationLink, activateAccount, checkNewCredentials } from '../../domain/accounts.js';
import { acceptInvitation, invitationOfLink, type Acceptor } from '../../domain/invitations.js';
import { ACTIVATION_PAGE, hashLinkToken, INVITATION_PAGE } from '../../domain/link-tokens.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { signedInUser } from '../account/session.js';
import { rememberReturn, signInUrl } from '../account/sign-in.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { ROUTES } from '../provider/configuration.js';

export interface OnboardingDeps {
  knex: Knex;
  clock: Clock;
  provider(): Provider;
  csrf: Csrf;
  publicUrl: string;
  secureCookies: boolean;
}

const tokenShape = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The pages the mailed links open (issue 17). Holding a link proves control of its email, nothing
 * more: the activation link lets its owner choose the password of an account made for them; the
 * invitation link lets a new invitee choose theirs, and sends the owner of an existing account
 * through sign-in first. Forms without a session carry a CSRF token bound to the link itself.
 */
export function onboardingRouter(deps: OnboardingDeps): Router {
  const router = new Router();
  const linkCsrf = (purpose: string, token: string) => deps.csrf.tokenFor(purpose, hashLinkToken(token));

  function html(ctx: Context, body: string, status = 200): void {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  }

  function tokenOf(value: unknown): string {
    if (typeof value !== 'string' || !tokenShape.test(value)) throw new AppError('not_found', 'This link is not valid. Open the link exactly as it is in the mail.');
    return value;
  }

  /** The name and password of a new-password form, or the message to show above it again. */
  function credentialsOf(form: URLSearchParams): { name: string; password: string } | { error: string } {
    const name = single(form, 'name') ?? '';
    const password = single(form, 'password') ?? '';
    if (password !== (single(form, 'password_confirm') ?? '')) return { error: 'The two passwords differ.' };
    const error = checkNewCredentials({ name, password });
    return error ? { error } : { name, password };
  }

  router.get(ACTIVATION_PAGE, async (ctx) => {
    const token = tokenOf(ctx.query.token);
    const user = await accountOfActivationLink(deps.knex, token, deps.clock.now());
    html(ctx, renderActivate({ action: ACTIVATION_PAGE, csrfToken: linkCsrf('activate', token), token, email: user.email, name: user.name }));
  });

  router.post(ACTIVATION_PAGE, async (ctx) => {
    const form = await readForm(ctx);
    const token = tokenOf(single(form, 'token'));
    deps.csrf.verify('activate', hashLinkToken(token), single(form, 'csrf'));
    const user = await accountOfActivationLink(deps.knex, token, deps.clock.now());
    const credentials = credentialsOf(form);
    if ('error' in credentials) {
      return html(ctx, renderActivate({
        action: ACTIVATION_PAGE, csrfToken: linkCsrf('activate', token), token, email: user.email, name: single(form, 'name') ?? '', error: credentials.error,
      }), 400);
    }
    await activateAccount(deps.knex, { token, ...credentials, now: deps.clock.now() });
    html(ctx, renderOnboardingDone({
      title: 'Your account is active',
      message: `You can now sign in as ${user.email} with the password you chose.`,
      next: { href: '/account', label: 'Sign in' },
    }));
  });

  router.get(INVITATION_PAGE, async (ctx) => {
    const token = tokenOf(ctx.query.token);
    const { invitation, organizationName, account } = await invitationOfLink(deps.knex, token, deps.clock.now());
    const shown = { organizationName, role: invitation.role };
    if (account !== 'active') {
      return html(ctx, renderInvitationNewAccount({
        action: INVITATION_PAGE, csrfToken: linkCsrf('invitation', token), token, email: invitation.email, name: '', ...shown,
      }));
    }
    const viewer = await signedInUser(ctx, deps.provider(), deps.knex);
    if (!viewer) {
      return html(ctx, renderInvitationSignIn({ email: invitation.email, signInUrl: signInFor(token), ...shown }));
    }
    if (viewer.user.email.toLowerCase() !== invitation.email.toLowerCase()) {
      return html(ctx, renderInvitationWrongAccount({
        signedInAs: viewer.user.email, email: invitation.email, signOutUrl: ROUTES.end_session, signInUrl: signInFor(token),
      }), 403);
    }
    html(ctx, renderInvitationConfirm({
      action: INVITATION_PAGE, csrfToken: deps.csrf.tokenFor('invitation', viewer.sessionUid), token, email: viewer.user.email, ...shown,
    }));
  });

  // Remembers this invitation for after the sign-in, then starts it (asking for the password even
  // when another account is signed in).
  router.get(`${INVITATION_PAGE}/sign-in`, async (ctx) => {
    const token = tokenOf(ctx.query.token);
    await invitationOfLink(deps.knex, token, deps.clock.now());
    rememberReturn(ctx, `${INVITATION_PAGE}?token=${token}`, deps.secureCookies);
    ctx.redirect(signInUrl(deps.publicUrl, { forceLogin: true }));
  });

  router.post(INVITATION_PAGE, async (ctx) => {
    const form = await readForm(ctx);
    const token = tokenOf(single(form, 'token'));
    const mode = single(form, 'mode');
    let acceptor: Acceptor;
    if (mode === 'signed_in') {
      const viewer = await signedInUser(ctx, deps.provider(), deps.knex);
      if (!viewer) throw new AppError('invalid_auth', 'Sign in again to accept the invitation.');
      deps.csrf.verify('invitation', viewer.sessionUid, single(form, 'csrf'));
      acceptor = { kind: 'signed_in', user: viewer.user };
    } else if (mode === 'new_account') {
      deps.csrf.verify('invitation', hashLinkToken(token), single(form, 'csrf'));
      const credentials = credentialsOf(form);
      if ('error' in credentials) {
        const { invitation, organizationName } = await invitationOfLink(deps.knex, token, deps.clock.now());
        return html(ctx, renderInvitationNewAccount({
          action: INVITATION_PAGE, csrfToken: linkCsrf('invitation', token), token, email: invitation.email, name: single(form, 'name') ?? '',
          organizationName, role: invitation.role, error: credentials.error,
        }), 400);
      }
      acceptor = { kind: 'new_account', ...credentials };
    } else {
      throw new AppError('invalid_request', 'Unknown form.');
    }
    const joined = await acceptInvitation(deps.knex, { token, acceptor, requestId: ctx.state.requestId as string, now: deps.clock.now() });
    html(ctx, renderOnboardingDone({
      title: 'Invitation accepted',
      message: `You are now a member, as ${joined.role}.`,
      next: { href: '/account', label: acceptor.kind === 'new_account' ? 'Sign in' : 'Your account' },
    }));
  });

  function signInFor(token: string): string {
    return `${INVITATION_PAGE}/sign-in?token=${encodeURIComponent(token)}`;
  }

  return router;
}
