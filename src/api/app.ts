import { asDatabaseUnavailable } from '../db/errors.js';
import Koa from 'koa';
import { operations, routes } from '../contract/index.js';
import type { Component, Runtime } from '../shared/runtime.js';
import { requestContext } from '../shared/koa/request-context.js';
import { serveDocs } from './docs/serve.js';
import { handlers } from './handlers.js';
import { OutboxTail } from './live/tail.js';
import { checkMembership } from './pipeline/check-membership.js';
import { dispatch } from './pipeline/dispatch.js';
import { enforceAccess } from './pipeline/enforce-access.js';
import { enforcePermission } from './pipeline/enforce-permission.js';
import { readBody } from './pipeline/read-body.js';
import { resolveOperation } from './pipeline/resolve-operation.js';
import { validateInput } from './pipeline/validate-input.js';
import { createReplayCache } from './pipeline/assertion-replay.js';
import { verifyAssertion } from './pipeline/verify-assertion.js';
import { startTicketAutoClose } from './tickets/auto-close.js';

/**
 * The resource API behind the gateway (DESIGN.md "Resources"). A request goes through the steps
 * below, top to bottom; `/openapi.json` and `/docs` are served before them, unauthenticated.
 */
export function createApiComponent(runtime: Runtime): Component {
  const app = new Koa();
  app.proxy = false;
  // A live stream whose client went away ends "prematurely": expected, not an error to print.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') runtime.logger.error({ err }, 'api response failed');
  });
  app.use(requestContext({ logger: runtime.logger.child({ component: 'api' }), translate: asDatabaseUnavailable }));
  app.use(serveDocs({ operations, publicUrl: runtime.config.PUBLIC_URL }));
  app.use(resolveOperation(routes));
  app.use(verifyAssertion(
    () => runtime.secrets.accepted('identity-assertion'),
    createReplayCache({ redis: runtime.redis, keyPrefix: runtime.config.REDIS_KEY_PREFIX, clock: runtime.clock, logger: runtime.logger }),
  ));
  app.use(checkMembership(runtime.db.knex));
  app.use(readBody());
  app.use(enforcePermission());
  app.use(validateInput());
  app.use(enforceAccess(runtime.db.knex));
  const events = new OutboxTail({ knex: runtime.db.knex, bus: runtime.bus, logger: runtime.logger, now: () => runtime.clock.now() });
  app.use(dispatch(runtime, handlers, events));
  // A scheduled step of the API role: solved tickets close after TICKET_AUTO_CLOSE_DAYS.
  const autoClose = startTicketAutoClose({ knex: runtime.db.knex, clock: runtime.clock, logger: runtime.logger.child({ component: 'ticket-auto-close' }), config: runtime.config });
  return {
    name: 'api',
    listener: app.callback(),
    // Live streams never finish by themselves: end them so the listener can drain.
    drain: () => events.close(),
    stop: async () => {
      events.close();
      await autoClose.stop();
    },
  };
}
