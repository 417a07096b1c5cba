import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { renderAccount, renderAuthorizedApps, type AccountSection, type AuthorizedApp } from '../../../views/index.js';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { listOrganizationsOfUser } from '../accounts/account-rows.js';
import type { UserRow } from '../../db/accounts.js';
import { findClientRow } from '../../db/oauth-clients/client-rows.js';
import { revokeGrant, type RevocationDeps } from '../grants/revoke-grant.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { ROUTES } from '../provider/configuration.js';
import { listGrantsOfAccount } from '../storage/oidc-rows.js';
import { ACCOUNT_CLIENT_ID, accountCallbackPath } from './first-party-client.js';
import { signedInUser } from './session.js';
import { signInUrl, takeReturn } from './sign-in.js';

/** Who is looking at the account page, for sections added by other features. */
export interface AccountViewer {
  user: UserRow;
  csrfToken: string;
}

/**
 * A section of the account page (issue 3: the lead adds "REST API Keys" this way); undefined when
 * it has nothing for this viewer.
 */
export type AccountSectionSource = (ctx: Context, viewer: AccountViewer) => Promise<AccountSection | undefined>;

export interface AccountDeps {
  knex: Knex;
  clock: Clock;
  provider(): Provider;
  csrf: Csrf;
  publicUrl: string;
  revocation: RevocationDeps;
  /** Extra sections, after "Apps you authorized". */
  sections: AccountSectionSource[];
}

/**
 * `/account`: a signed-in user sees the apps they authorized and revokes any of them. Sign-in
 * goes through the provider (first-party-client.ts), so there is one login and one session.
 */
export function accountRouter(deps: AccountDeps): Router {
  const router = new Router();

  const signedIn = (ctx: Context) => signedInUser(ctx, deps.provider(), deps.knex);

  function startSignIn(ctx: Context): void {
    ctx.redirect(signInUrl(deps.publicUrl));
  }

  async function authorizedApps(userId: string): Promise<AuthorizedApp[]> {
    const grants = await listGrantsOfAccount(deps.knex, userId, new Date(deps.clock.now()));
    const organizations = new Map((await listOrganizationsOfUser(deps.knex, userId)).map((m) => [m.organizationId, m.organizationName]));
    const apps: AuthorizedApp[] = [];
    for (const grant of grants) {
      if (grant.clientId === ACCOUNT_CLIENT_ID) continue;
      const client = await findClientRow(deps.knex, grant.clientId);
      const resources = (grant.payload.resources ?? {}) as Record<string, string>;
      const openid = ((grant.payload.openid as { scope?: string } | undefined)?.scope ?? '').split(' ').filter(Boolean);
      apps.push({
        grantId: grant.grantId,
        clientName: client?.name ?? grant.clientId,
        organizationName: (grant.organizationId && organizations.get(grant.organizationId)) || '—',
        scopes: [...Object.values(resources).flatMap((s) => s.split(' ')), ...openid],
        authorizedAt: grant.createdAt.toISOString().slice(0, 16).replace('T', ' '),
      });
    }
    return apps;
  }

  router.get('/account', async (ctx) => {
    const viewer = await signedIn(ctx);
    if (!viewer) return startSignIn(ctx);
    const csrfToken = deps.csrf.tokenFor('account', viewer.sessionUid);
    const appsSection: AccountSection = {
      id: 'apps',
      title: 'Apps you authorized',
      body: renderAuthorizedApps({ apps: await authorizedApps(viewer.user.id), csrfToken, revokeAction: (id) => `/account/apps/${encodeURIComponent(id)}/revoke` }),
    };
    const extra = (await Promise.all(deps.sections.map((source) => source(ctx, { user: viewer.user, csrfToken }))))
      .filter((section): section is AccountSection => section !== undefined);
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = renderAccount({
      email: viewer.user.email,
      sections: [appsSection, ...extra],
      logoutUrl: ROUTES.end_session,
      ...(ctx.query.revoked === '1' ? { notice: 'Access revoked. The app can no longer use its tokens.' } : {}),
    });
  });

  // The provider sends the browser back here after sign-in; the session cookie is now set. A
  // page that started the sign-in (the invitation page) gets its visitor back.
  router.get(accountCallbackPath, async (ctx) => {
    const back = takeReturn(ctx);
    if (typeof ctx.query.error === 'string') throw new AppError('invalid_request', `Sign-in did not complete: ${ctx.query.error}.`);
    ctx.redirect(back);
  });

  router.post('/account/apps/:grantId/revoke', async (ctx) => {
    const viewer = await signedIn(ctx);
    if (!viewer) throw new AppError('invalid_auth', 'Sign in again to manage your apps.');
    const form = await readForm(ctx);
    deps.csrf.verify('account', viewer.sessionUid, single(form, 'csrf'));
    const grantId = ctx.params.grantId!;
    const owned = (await listGrantsOfAccount(deps.knex, viewer.user.id, new Date(deps.clock.now()))).some((g) => g.grantId === grantId);
    if (!owned) throw new AppError('not_found', 'No such authorized app.');
    await revokeGrant(deps.revocation, grantId);
    ctx.status = 303;
    ctx.redirect('/account?revoked=1#apps');
  });

  return router;
}
