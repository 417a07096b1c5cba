import { asDatabaseUnavailable } from '../db/errors.js';
import Koa from 'koa';
import type { Component, Runtime } from '../shared/runtime.js';
import { healthBody } from '../shared/health.js';
import { requestContext } from '../shared/koa/request-context.js';
import { accountRouter } from './account/router.js';
import { canonicalPathsOnly } from './http/canonical-path.js';
import { refuseNul } from './http/refuse-nul.js';
import { htmlErrors } from './http/html-errors.js';
import { publicOrigin } from './http/public-origin.js';
import { securityHeaders } from './http/security-headers.js';
import { interactionRouter } from './interactions/router.js';
import { onboardingRouter } from './onboarding/router.js';
import { ROUTES } from './provider/configuration.js';
import { plainImplicitRequest } from './provider/plain-implicit.js';
import { createAuthExtensions } from './routes.js';
import { createAuthServices } from './services.js';
import { withRequestGrants } from './storage/request-grants.js';
import { startSweeper } from './storage/sweeper.js';
import { tokenEndpoints } from './tokens/token-endpoints.js';

/**
 * The authorization server: oidc-provider mounted in koa, behind our pages and the few
 * endpoints the provider cannot serve alone. The request path, top to bottom:
 * request id + error envelope → health → only the contract's auth-server paths, spelled exactly
 * (issue 17) → no NUL in the query (issue 13) → pinned public origin → security headers → (the
 * token, introspection and revocation endpoints and `/v2/auth/token` straight to their handlers
 * below) → pages (interaction, mailed links,
 * account) → extensions (routes.ts) → JWT introspection/revocation/userinfo → RFC 6749
 * `response_type=token` rewrite → oidc-provider (which caps roles where it mints tokens:
 * provider/access-token-claims.ts).
 */
const noop = async () => {};

export async function createAuthComponent(runtime: Runtime): Promise<Component> {
  const { config } = runtime;
  const services = await createAuthServices(runtime);
  const extensions = await createAuthExtensions(runtime, services);
  const { knex, providers, csrf, revocation } = services;

  const app = new Koa();
  app.proxy = true;
  app.keys = services.cookieKeys;

  const interactions = interactionRouter({ knex, provider: providers.current, throttle: services.throttle, csrf });
  const onboarding = onboardingRouter({
    knex, clock: runtime.clock, provider: providers.current, csrf, publicUrl: config.PUBLIC_URL, secureCookies: config.PUBLIC_URL.startsWith('https:'),
  });
  const account = accountRouter({ knex, clock: runtime.clock, provider: providers.current, csrf, publicUrl: config.PUBLIC_URL, revocation, sections: extensions.accountSections });

  app.use(requestContext({ logger: services.log, translate: asDatabaseUnavailable }));
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = healthBody(runtime.clock.now());
      return;
    }
    await next();
  });
  app.use(canonicalPathsOnly());
  app.use(refuseNul());
  app.use(publicOrigin(config.PUBLIC_URL));
  app.use(securityHeaders());
  // The provider is a koa app of its own and answers on the raw response; one handler per
  // provider instance (a key rotation swaps the instance).
  const handlers = new WeakMap<object, ReturnType<Koa['callback']>>();
  const provider: Koa.Middleware = async (ctx) => {
    const current = providers.current();
    let handler = handlers.get(current);
    if (!handler) handlers.set(current, (handler = current.callback()));
    ctx.respond = false;
    await withRequestGrants(() => handler(ctx.req, ctx.res));
  };
  const endpoints = tokenEndpoints({ knex, lookups: services.lookups, verify: services.verifyAccessToken, revocation, findAccount: services.findAccount });
  // The token endpoints are no page's and no extension's: every grant goes straight to what
  // stands in front of the provider (or to its own extension), past a dozen routers that would
  // each look at the path and hand it on.
  const direct = new Map<string, Koa.Middleware>([
    ...[ROUTES.token, ROUTES.introspection, ROUTES.revocation].map((path): [string, Koa.Middleware] => [path, (ctx) => endpoints(ctx, () => provider(ctx, noop))]),
    ...extensions.direct,
  ]);
  app.use((ctx, next) => direct.get(ctx.path)?.(ctx, next) ?? next());
  const pageErrors = htmlErrors();
  app.use(async (ctx, next) => (ctx.path.startsWith('/interaction/') || ctx.path === '/account' || ctx.path.startsWith('/account/') ? pageErrors(ctx, next) : next()));
  app.use(interactions.routes());
  app.use(onboarding.routes());
  app.use(account.routes());
  for (const route of extensions.routes) app.use(route);
  app.use(endpoints);
  app.use(plainImplicitRequest(ROUTES.authorization));
  app.use(provider);

  const sweeper = startSweeper({ knex, clock: runtime.clock, intervalMs: config.OIDC_SWEEP_INTERVAL_SECONDS * 1000, logger: services.log });

  return {
    name: 'auth',
    listener: app.callback(),
    async stop() {
      sweeper.stop();
      providers.stop();
      services.lookups.close();
      await extensions.close();
    },
  };
}
