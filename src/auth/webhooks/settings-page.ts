import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { COPY_SCRIPT, COPY_SCRIPT_PATH, html, renderWebhookDeliveryPage, renderWebhookPage, renderWebhooksPage } from '../../../views/index.js';
import { listMemberships, type UserRow } from '../../db/accounts.js';
import { OUTBOX_CHANNEL } from '../../db/outbox-reads.js';
import { findDelivery } from '../../db/webhook-delivery-log.js';
import { findEndpoint, type WebhookEndpointRow } from '../../db/webhook-endpoints.js';
import type { Actor } from '../../domain/record-change.js';
import { presentDeliveryDetails, presentWebhooks } from '../../domain/webhook-views.js';
import {
  createWebhook, deleteWebhook, replayFailedWebhookDeliveries, replayWebhookDelivery, rotateWebhookSecret, sendWebhookTestEvent, updateWebhook, webhookDeps,
} from '../../domain/webhooks.js';
import { AppError } from '../../shared/errors.js';
import type { Runtime } from '../../shared/runtime.js';
import type { AccountSectionSource } from '../account/router.js';
import { rememberReturn, signInUrl } from '../account/sign-in.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { decryptString, encryptString } from '../keys/encryption.js';
import { CHOICES, enabledOf, endpointsOfOrganization, FormProblem, latestDeliveries, listItem, newWebhookOf, replaySinceOf, webhookEditOf } from './page-data.js';

export interface WebhookPageDeps {
  runtime: Runtime;
  csrf: Csrf;
  /** Seals the one-time display of a new secret in a short-lived cookie. */
  flashKey: Buffer;
  secureCookies: boolean;
  signedIn(ctx: Context): Promise<{ user: UserRow; sessionUid: string } | undefined>;
}

export const WEBHOOKS_PAGE = '/account/webhooks';
const flashCookie = 'gatehouse.new_webhook_secret';
const flashContext = (sessionUid: string) => `webhook-secret-flash:${sessionUid}`;
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Settings > Webhooks (issue 11) at `/account/webhooks`: admins of an organization manage its
 * endpoints with the same rules as the API (domain/webhooks.ts). A new or rotated secret crosses
 * the redirect in an encrypted, session-bound, one-shot cookie (as a new API key does), so it is
 * shown once and a reload neither shows it again nor makes another.
 */
export function webhookSettings(deps: WebhookPageDeps): { section: AccountSectionSource; routes: Middleware } {
  const { runtime, csrf } = deps;
  const knex = runtime.db.knex;
  const domain = webhookDeps(runtime);

  async function adminOf(ctx: Context, post: boolean) {
    const session = await deps.signedIn(ctx);
    if (!session) {
      if (post) throw new AppError('invalid_auth', 'Sign in again to manage webhooks.');
      rememberReturn(ctx, WEBHOOKS_PAGE, deps.secureCookies);
      ctx.redirect(signInUrl(runtime.config.PUBLIC_URL));
      return undefined;
    }
    const organizations = (await listMemberships(knex, session.user.id)).filter((m) => m.role === 'admin');
    if (organizations.length === 0) throw new AppError('forbidden', 'Only admins of an organization manage its webhooks.');
    const form = post ? await readForm(ctx) : undefined;
    if (form) csrf.verify('webhooks', session.sessionUid, single(form, 'csrf'));
    const actor = (organizationId: string): Actor => ({ identity: { sub: session.user.id, org: organizationId, kind: 'user' }, requestId: ctx.state.requestId as string });
    return { session, organizations, form: form ?? new URLSearchParams(), actor, csrfToken: csrf.tokenFor('webhooks', session.sessionUid) };
  }
  type Admin = NonNullable<Awaited<ReturnType<typeof adminOf>>>;

  /** The endpoint `:id` in one of the viewer's organizations; any other is not found. */
  async function endpointOf(ctx: Context, admin: Admin): Promise<WebhookEndpointRow> {
    const id = ctx.params.id ?? '';
    for (const organization of uuidShape.test(id) ? admin.organizations : []) {
      const row = await findEndpoint(knex, organization.organization_id, id);
      if (row) return row;
    }
    throw new AppError('not_found', 'No such webhook.');
  }

  const back = (ctx: Context, path: string, outcome: { error?: string; message?: string }) => {
    ctx.status = 303;
    const query = new URLSearchParams(outcome as Record<string, string>).toString();
    ctx.redirect(`${path}${query ? `?${query}` : ''}`);
  };
  /** A form the admin can correct comes back to the page with the reason; anything else is an error page. */
  async function attempt(ctx: Context, path: string, work: () => Promise<string | void>): Promise<void> {
    try {
      const message = await work();
      if (message !== undefined) back(ctx, path, { message });
    } catch (err) {
      const correctable = err instanceof FormProblem || (err instanceof AppError && (err.code === 'validation_failed' || err.code === 'conflict'));
      if (!correctable) throw err;
      back(ctx, path, { error: err.message });
    }
  }
  const flash = (ctx: Context, admin: Admin, id: string, secret: string) =>
    ctx.cookies.set(flashCookie, encryptString(deps.flashKey, JSON.stringify({ id, secret }), flashContext(admin.session.sessionUid)), {
      path: WEBHOOKS_PAGE, httpOnly: true, sameSite: 'strict', secure: deps.secureCookies, maxAge: 60_000, signed: false,
    });
  function takeSecret(ctx: Context, admin: Admin, id: string): string | undefined {
    const sealed = ctx.cookies.get(flashCookie);
    if (!sealed) return undefined;
    ctx.cookies.set(flashCookie, null, { path: WEBHOOKS_PAGE });
    try {
      const shown = JSON.parse(decryptString(deps.flashKey, sealed, flashContext(admin.session.sessionUid))) as { id: string; secret: string };
      return shown.id === id ? shown.secret : undefined;
    } catch {
      return undefined; // another session's, or tampered with: show nothing
    }
  }
  const wakeWorker = () => void runtime.bus.publish(OUTBOX_CHANNEL, {}).catch(() => {});
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 300) : undefined);
  const respond = (ctx: Context, body: string) => {
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = body;
  };

  const router = new Router();
  router.get(COPY_SCRIPT_PATH, (ctx) => {
    ctx.type = 'text/javascript';
    ctx.set('cache-control', 'public, max-age=3600');
    ctx.body = COPY_SCRIPT;
  });

  router.get(WEBHOOKS_PAGE, async (ctx) => {
    const admin = await adminOf(ctx, false);
    if (!admin) return;
    const organizations = await Promise.all(admin.organizations.map(async (m) => ({
      id: m.organization_id, name: m.organization_name, endpoints: await endpointsOfOrganization(knex, m.organization_id),
    })));
    respond(ctx, renderWebhooksPage({
      email: admin.session.user.email, csrfToken: admin.csrfToken, organizations, choices: CHOICES, error: text(ctx.query.error), message: text(ctx.query.message),
    }));
  });

  router.post(WEBHOOKS_PAGE, async (ctx) => {
    const admin = (await adminOf(ctx, true))!;
    await attempt(ctx, WEBHOOKS_PAGE, async () => {
      const organization = admin.organizations.find((m) => m.organization_id === single(admin.form, 'organization'));
      if (!organization) throw new FormProblem('Choose one of the organizations you administer.');
      const { webhook, secret } = await createWebhook(domain, admin.actor(organization.organization_id), newWebhookOf(admin.form));
      flash(ctx, admin, webhook.id, secret);
      back(ctx, `${WEBHOOKS_PAGE}/${webhook.id}`, {});
    });
  });

  router.get(`${WEBHOOKS_PAGE}/:id`, async (ctx) => {
    const admin = await adminOf(ctx, false);
    if (!admin) return;
    const row = await endpointOf(ctx, admin);
    const data = (await presentWebhooks(knex, row.organization_id, [row]))[0]!;
    respond(ctx, renderWebhookPage({
      csrfToken: admin.csrfToken,
      organizationName: admin.organizations.find((m) => m.organization_id === row.organization_id)!.organization_name,
      endpoint: { ...listItem(data), messageAuthorTypes: data.message_author_types, previousSecretExpiresAt: data.previous_secret_expires_at },
      choices: CHOICES, deliveries: await latestDeliveries(knex, row), secret: takeSecret(ctx, admin, row.id),
      error: text(ctx.query.error), message: text(ctx.query.message),
    }));
  });

  /** A POST on one endpoint: its work answers the notice shown back on the endpoint's page. */
  const onEndpoint = (action: string, work: (admin: Admin, row: WebhookEndpointRow, ctx: Context) => Promise<string | void>) =>
    router.post(`${WEBHOOKS_PAGE}/:id/${action}`, async (ctx) => {
      const admin = (await adminOf(ctx, true))!;
      const row = await endpointOf(ctx, admin);
      await attempt(ctx, `${WEBHOOKS_PAGE}/${row.id}`, () => work(admin, row, ctx));
    });

  onEndpoint('edit', async (admin, row) => {
    await updateWebhook(domain, admin.actor(row.organization_id), row.id, webhookEditOf(admin.form));
    return 'Saved.';
  });
  onEndpoint('enabled', async (admin, row) => {
    const patch = enabledOf(admin.form);
    await updateWebhook(domain, admin.actor(row.organization_id), row.id, patch);
    return patch.enabled ? 'Enabled.' : 'Disabled: nothing is delivered to it until it is enabled again.';
  });
  onEndpoint('rotate-secret', async (admin, row, ctx) => {
    const { secret } = await rotateWebhookSecret(domain, admin.actor(row.organization_id), row.id);
    flash(ctx, admin, row.id, secret);
    return 'The secret was rotated. The previous one signs too until the overlap ends.';
  });
  onEndpoint('test', async (admin, row) => {
    await sendWebhookTestEvent(domain, admin.actor(row.organization_id), row.id);
    wakeWorker();
    return 'A test event is on its way: follow it in the delivery log.';
  });
  onEndpoint('replay', async (admin, row) => {
    const count = await replayFailedWebhookDeliveries(domain, admin.actor(row.organization_id), row.id, replaySinceOf(admin.form, runtime.clock.now()));
    wakeWorker();
    return `${count} failed ${count === 1 ? 'delivery' : 'deliveries'} queued again.`;
  });
  onEndpoint('delete', async (admin, row, ctx) => {
    await deleteWebhook(domain, admin.actor(row.organization_id), row.id);
    back(ctx, WEBHOOKS_PAGE, { message: 'The webhook was deleted.' });
  });
  onEndpoint('deliveries/:deliveryId/replay', async (admin, row, ctx) => {
    await replayWebhookDelivery(domain, admin.actor(row.organization_id), row.id, uuidShape.test(ctx.params.deliveryId ?? '') ? ctx.params.deliveryId! : '00000000-0000-0000-0000-000000000000');
    wakeWorker();
    return 'The delivery is queued again.';
  });

  router.get(`${WEBHOOKS_PAGE}/:id/deliveries/:deliveryId`, async (ctx) => {
    const admin = await adminOf(ctx, false);
    if (!admin) return;
    const row = await endpointOf(ctx, admin);
    const found = uuidShape.test(ctx.params.deliveryId ?? '') ? await findDelivery(knex, row.organization_id, row.id, ctx.params.deliveryId!) : undefined;
    if (!found) throw new AppError('not_found', 'No such delivery.');
    const d = await presentDeliveryDetails(knex, found);
    respond(ctx, renderWebhookDeliveryPage({
      csrfToken: admin.csrfToken, endpointId: row.id,
      delivery: { id: d.id, eventId: d.event_id, eventType: d.event_type, status: d.status, createdAt: d.created_at, payload: JSON.stringify(d.payload, null, 2) },
      attempts: d.attempts.map((a) => ({ attempt: a.attempt, startedAt: a.started_at, durationMs: a.duration_ms, responseStatus: a.response_status, responseBody: a.response_body, error: a.error })),
    }));
  });

  // The account page links here for admins of an organization.
  const section: AccountSectionSource = async (_ctx, viewer) => {
    const administered = (await listMemberships(knex, viewer.user.id)).filter((m) => m.role === 'admin');
    if (administered.length === 0) return undefined;
    return { id: 'webhooks', title: 'Webhooks', body: html`<p>Send chat, message and ticket events to your systems: <a href="${WEBHOOKS_PAGE}" id="webhooks-link">Settings › Webhooks</a>.</p>` };
  };

  return { section, routes: router.routes() as Middleware };
}
