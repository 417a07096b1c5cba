import type { Middleware } from 'koa';
import type { Runtime } from '../../shared/runtime.js';
import type { AccessTokenSigner } from '../token-api/access-tokens.js';
import { visitorSessions } from './router.js';
import { createVisitorSessionService } from './service.js';

/** Visitor sessions (issue 10), built from the runtime and the auth server's one access-token signer. */
export function createVisitorSessions(runtime: Runtime, signer: AccessTokenSigner): Middleware {
  const service = createVisitorSessionService({
    knex: runtime.db.knex, clock: runtime.clock, config: runtime.config, signer, hashKey: runtime.secrets.derive('visitor-secret-hash'),
    acceptedHashKeys: () => runtime.secrets.accepted('visitor-secret-hash'),
  });
  return visitorSessions({ knex: runtime.db.knex, service });
}
