import type { Middleware } from 'koa';
import type { ResetContext } from '../../domain/password-resets.js';
import type { Runtime } from '../../shared/runtime.js';
import type { RevocationDeps } from '../grants/revoke-grant.js';
import type { Csrf } from '../http/csrf.js';
import { passwordResetApi } from './api.js';
import { completePasswordReset } from './complete.js';
import { passwordResetPages } from './pages.js';
import { createResetRequests } from './requests.js';
import { createResetThrottle } from './throttle.js';

/** Password reset (issue 18), pages and JSON API, built from the runtime; the auth server mounts `pages` and `api`. */
export function createPasswordReset(runtime: Runtime, deps: { csrf: Csrf; revocation: RevocationDeps }): { pages: Middleware; api: Middleware; close(): Promise<void> } {
  const { config, clock } = runtime;
  const knex = runtime.db.knex;
  const context: ResetContext = { config, bus: runtime.bus };
  const throttle = createResetThrottle(config, runtime.redis);
  const requests = createResetRequests({ knex, context, clock, logger: runtime.logger.child({ component: 'auth' }) });
  const complete = (input: Parameters<typeof completePasswordReset>[1]) => completePasswordReset({ knex, context, revocation: deps.revocation }, input);
  const pages = passwordResetPages({ knex, clock, csrf: deps.csrf, throttle, requests, secureCookies: config.PUBLIC_URL.startsWith('https:'), complete });
  return {
    pages: pages.routes() as Middleware,
    api: passwordResetApi({ throttle, requests, clock, complete }),
    close: () => requests.settled(),
  };
}
