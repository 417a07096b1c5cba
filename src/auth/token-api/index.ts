import type { Middleware } from 'koa';
import type { Runtime } from '../../shared/runtime.js';
import type { GrantLookups } from '../cache/grant-lookups.js';
import { createAccessTokenVerifier } from '../tokens/verify-access-token.js';
import { createAccessTokenSigner, type AccessTokenSigner } from './access-tokens.js';
import { tokenApi } from './router.js';
import { createTokenService } from './service.js';
import { createSignInThrottle } from './throttle.js';

export { TOKEN_API_PATH } from './router.js';

/**
 * The seed-001 token API, built from the runtime; mount it in the auth server's koa app. Its
 * signer is shared with the other tokens the auth server mints itself (visitor sessions).
 */
export function createTokenApi(runtime: Runtime, lookups: GrantLookups): { middleware: Middleware; signer: AccessTokenSigner; close(): void } {
  const { config } = runtime;
  const signer = createAccessTokenSigner({ knex: runtime.db.knex, secrets: runtime.secrets, config, clock: runtime.clock, bus: runtime.bus });
  const verifyAccessToken = createAccessTokenVerifier({ knex: runtime.db.knex, clock: runtime.clock, config, liveKeys: lookups.liveKeys });
  const service = createTokenService({ knex: runtime.db.knex, bus: runtime.bus, clock: runtime.clock, config, signer, verifyAccessToken });
  const throttle = createSignInThrottle({
    redis: runtime.redis,
    keyPrefix: config.REDIS_KEY_PREFIX,
    maxFailures: config.TOKEN_API_MAX_FAILURES_PER_EMAIL_IP,
    blockSeconds: config.TOKEN_API_BLOCK_SECONDS,
  });
  return { middleware: tokenApi({ service, throttle }), signer, close: () => signer.close() };
}
