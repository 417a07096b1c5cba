import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { renderConsent, renderLogin } from '../../../views/index.js';
import { PASSWORD_RESET_PAGE } from '../../contract/auth-routes.js';
import { AppError } from '../../shared/errors.js';
import { findUserById } from '../../db/accounts.js';
import { listOrganizationsOfUser } from '../accounts/account-rows.js';
import { authenticate } from '../accounts/authenticate.js';
import type { LoginThrottle } from '../accounts/login-throttle.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { clientIp } from '../http/public-origin.js';
import { ACCOUNT_CLIENT_ID } from '../account/first-party-client.js';
import { approveConsent, approveFirstParty, planConsent, rememberedConsent } from './consent.js';

export interface InteractionDeps {
  knex: Knex;
  provider(): Provider;
  throttle: LoginThrottle;
  csrf: Csrf;
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The login and consent pages oidc-provider sends users to (`/interaction/:uid`). The interaction
 * is looked up from the provider's cookie, never from the URL alone, and every form carries a
 * CSRF token bound to it. Successful POSTs answer 303 to the provider's resume URL.
 */
export function interactionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });

  async function load(ctx: Context, uid: string): Promise<{ provider: Provider; interaction: Interaction }> {
    const provider = deps.provider();
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== uid) throw new AppError('invalid_request', 'This sign-in page belongs to another authorization request.');
    return { provider, interaction };
  }

  function html(ctx: Context, body: string, status = 200) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  }

  async function clientName(provider: Provider, interaction: Interaction): Promise<string> {
    const client = await provider.Client.find(interaction.params.client_id as string);
    return client?.clientName ?? String(interaction.params.client_id);
  }

  async function showConsent(ctx: Context, provider: Provider, interaction: Interaction, selectedOrganization?: string): Promise<void> {
    const accountId = interaction.session!.accountId;
    const client = await provider.Client.find(interaction.params.client_id as string);
    const user = await findUserById(deps.knex, accountId);
    if (!client || !user) throw new AppError('invalid_request', 'The application or account no longer exists.');
    if (client.clientId === ACCOUNT_CLIENT_ID) {
      ctx.status = 303;
      return ctx.redirect(await approveFirstParty(provider, interaction, accountId));
    }
    const memberships = await listOrganizationsOfUser(deps.knex, accountId);
    if (memberships.length === 0) throw new AppError('forbidden', 'Your account does not belong to any organization, so it cannot authorize applications.');

    const remembered = await rememberedConsent(deps.knex, provider, interaction, client, memberships);
    if (remembered) {
      ctx.status = 303;
      return ctx.redirect(await approveConsent(deps.knex, provider, interaction, accountId, remembered));
    }
    const chosen = memberships.find((m) => m.organizationId === selectedOrganization) ?? memberships[0]!;
    const plan = planConsent(interaction, client, chosen);
    html(ctx, renderConsent({
      action: `/interaction/${interaction.uid}/consent`,
      csrfToken: deps.csrf.tokenFor('consent', interaction.uid),
      clientName: client.clientName ?? client.clientId,
      userEmail: user.email,
      scopes: plan.scope.split(' '),
      ...(plan.askedRole ? { downgrade: { asked: plan.askedRole, granted: plan.role } } : {}),
      organizations: memberships.map((m) => ({ id: m.organizationId, name: m.organizationName, role: m.role, selected: m === chosen })),
    }));
  }

  router.get('/:uid', async (ctx) => {
    const { provider, interaction } = await load(ctx, ctx.params.uid!);
    if (interaction.prompt.name === 'login') {
      const forced = interaction.prompt.reasons.some((r) => r === 'login_prompt' || r === 'max_age');
      return html(ctx, renderLogin({
        action: `/interaction/${interaction.uid}/login`,
        csrfToken: deps.csrf.tokenFor('login', interaction.uid),
        clientName: await clientName(provider, interaction),
        forgotPasswordUrl: PASSWORD_RESET_PAGE,
        ...(forced ? { notice: 'Please sign in again to continue.' } : {}),
      }));
    }
    if (interaction.prompt.name === 'consent') return showConsent(ctx, provider, interaction);
    throw new AppError('invalid_request', `Unsupported interaction "${interaction.prompt.name}".`);
  });

  router.post('/:uid/login', async (ctx) => {
    const { provider, interaction } = await load(ctx, ctx.params.uid!);
    const form = await readForm(ctx);
    deps.csrf.verify('login', interaction.uid, single(form, 'csrf'));
    if (interaction.prompt.name !== 'login') throw new AppError('invalid_request', 'This request does not need a sign-in.');
    const email = (single(form, 'email') ?? '').trim();
    const password = single(form, 'password') ?? '';
    const page = (error: string, status: number) => html(ctx, renderLogin({
      action: `/interaction/${interaction.uid}/login`,
      csrfToken: deps.csrf.tokenFor('login', interaction.uid),
      clientName: undefined,
      forgotPasswordUrl: PASSWORD_RESET_PAGE,
      email,
      error,
    }), status);
    if (email === '' || password === '') return page('Enter your email and password.', 400);
    const outcome = await authenticate({ knex: deps.knex, throttle: deps.throttle }, { email, password: password.slice(0, 1024), ip: clientIp(ctx.req.headers, ctx.req.socket.remoteAddress) });
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') {
        ctx.set('retry-after', String(outcome.retryAfterSeconds));
        return page(`Too many failed sign-ins. Try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minute(s).`, 429);
      }
      return page('Invalid email or password.', 401);
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: outcome.userId } }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  router.post('/:uid/consent', async (ctx) => {
    const { provider, interaction } = await load(ctx, ctx.params.uid!);
    const form = await readForm(ctx);
    deps.csrf.verify('consent', interaction.uid, single(form, 'csrf'));
    if (interaction.prompt.name !== 'consent' || !interaction.session) throw new AppError('invalid_request', 'This request does not need consent.');
    const decision = single(form, 'decision');
    if (decision === 'deny') {
      // RFC 6749 §4.1.2.1: the client learns `access_denied`, nothing else.
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, { error: 'access_denied', error_description: 'The user denied the request.' }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      return ctx.redirect(returnTo);
    }
    if (decision !== 'allow') throw new AppError('invalid_request', 'Choose Allow or Deny.');
    const accountId = interaction.session.accountId;
    const client = await provider.Client.find(interaction.params.client_id as string);
    const organization = (await listOrganizationsOfUser(deps.knex, accountId)).find((m) => m.organizationId === single(form, 'organization'));
    if (!client) throw new AppError('invalid_request', 'The application no longer exists.');
    if (!organization) throw new AppError('invalid_request', 'Choose one of your organizations.');
    ctx.status = 303;
    ctx.redirect(await approveConsent(deps.knex, provider, interaction, accountId, planConsent(interaction, client, organization)));
  });

  return router;
}
