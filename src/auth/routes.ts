import type { Middleware } from 'koa';
import type { Runtime } from '../shared/runtime.js';
import type { AccountSectionSource } from './account/router.js';
import { apiKeysAccount } from './api-keys/account-section.js';
import { localMailboxSection } from './mailbox/account-section.js';
import { signedInUser } from './account/session.js';
import type { AuthServices } from './services.js';
import { emailChange } from './email-change/router.js';
import { createPasswordReset } from './password-reset/index.js';
import { createTokenApi, TOKEN_API_PATH } from './token-api/index.js';
import { createVisitorSessions } from './visitor-sessions/index.js';
import { webhookSettings } from './webhooks/settings-page.js';
import { widgetRoutes } from './widget/router.js';

/**
 * Extension point of the auth server (issue 3): routes and account-page sections that other
 * features add. `app.ts` mounts `routes` before oidc-provider and after the pages, and shows
 * `accountSections` on `/account` after "Apps you authorized". Add one line per feature.
 */
export interface AuthExtensions {
  routes: Middleware[];
  /** Those of `routes` that own one exact path, by path: app.ts sends their requests straight there. */
  direct: Array<[string, Middleware]>;
  accountSections: AccountSectionSource[];
  close(): void | Promise<void>;
}

export async function createAuthExtensions(runtime: Runtime, services: AuthServices): Promise<AuthExtensions> {
  const { config, secrets } = runtime;
  // Issue 4: the seed-001 token API, and "REST API Keys" on the account page (seed 000).
  const tokenApi = createTokenApi(runtime, services.lookups);
  // Issue 10: visitor sessions of chat widgets, signed like every other access token.
  const visitorSessions = createVisitorSessions(runtime, tokenApi.signer);
  const apiKeys = apiKeysAccount({
    knex: services.knex,
    bus: runtime.bus,
    clock: runtime.clock,
    csrf: services.csrf,
    hashSecret: secrets.derive('api-key-hash'),
    flashKey: secrets.derive('cookie', 32),
    maxLifetimeDays: config.API_KEY_MAX_LIFETIME_DAYS,
    secureCookies: config.PUBLIC_URL.startsWith('https:'),
    signedIn: (ctx) => signedInUser(ctx, services.providers.current(), services.knex),
  });
  // Issue 18: "Forgot password?" pages and the JSON reset API.
  const passwordReset = createPasswordReset(runtime, { csrf: services.csrf, revocation: services.revocation });
  // Issue 18: "Email address" on the account page, confirmed by a link to the new address.
  const email = emailChange({
    knex: services.knex, clock: runtime.clock, csrf: services.csrf, context: { config, bus: runtime.bus }, throttle: services.throttle,
    signedIn: (ctx) => signedInUser(ctx, services.providers.current(), services.knex),
  });
  // Issue 11: Settings > Webhooks, for admins of an organization.
  const webhooks = webhookSettings({
    runtime, csrf: services.csrf, flashKey: secrets.derive('cookie', 32), secureCookies: config.PUBLIC_URL.startsWith('https:'),
    signedIn: (ctx) => signedInUser(ctx, services.providers.current(), services.knex),
  });
  return {
    direct: [[TOKEN_API_PATH, tokenApi.middleware]],
    routes: [tokenApi.middleware, visitorSessions, passwordReset.api, passwordReset.pages, email.routes, apiKeys.routes, webhooks.routes, widgetRoutes(runtime)],
    accountSections: [
      email.section,
      apiKeys.section,
      webhooks.section,
      // Issue 18: without MAIL_URL in development, admins read the kept mails here.
      ...(config.NODE_ENV === 'development' && config.MAIL_URL === undefined ? [localMailboxSection(services.knex)] : []),
    ],
    close: async () => {
      tokenApi.close();
      await passwordReset.close();
    },
  };
}
