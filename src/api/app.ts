import Koa from 'koa';
import type { Component, Runtime } from '../shared/runtime.js';
import { healthBody } from '../shared/health.js';
import { requestContext } from '../shared/koa/request-context.js';

/** The resource API behind the gateway (DESIGN.md "Resources"). */
export function createApiComponent(runtime: Runtime): Component {
  const app = new Koa();
  app.proxy = false;
  app.use(requestContext({ logger: runtime.logger.child({ component: 'api' }) }));
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/health') {
      ctx.body = healthBody(runtime.clock.now());
      return;
    }
    await next();
  });
  return { name: 'api', listener: app.callback(), stop: async () => {} };
}
