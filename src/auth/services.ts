import type { AdapterPayload } from 'oidc-provider';
import type { Runtime } from '../shared/runtime.js';
import { FIRST_PARTY_CLIENT_ID } from '../contract/first-party.js';
import { accountClientMetadata, ACCOUNT_CLIENT_ID } from './account/first-party-client.js';
import { createFindAccount } from './accounts/find-account.js';
import { createLoginThrottle } from './accounts/login-throttle.js';
import { createGrantLookups } from './cache/grant-lookups.js';
import { toProviderMetadata } from './clients/client-metadata.js';
import { createClientService } from '../db/oauth-clients/client-service.js';
import { announceGrantRevoked, revokeGrant, type RevocationDeps } from './grants/revoke-grant.js';
import { createCsrf } from './http/csrf.js';
import { ensureSigningKeys, loadSigningKeys, type SigningKeyDeps } from './keys/signing-keys.js';
import { createProvider } from './provider/create-provider.js';
import { createProviderHolder } from './provider/provider-holder.js';
import { createAdapterFactory } from './storage/adapter.js';
import { createAccessTokenVerifier } from './tokens/verify-access-token.js';
import { renderError, renderLoggedOut, renderLogoutConfirm } from '../../views/index.js';

/** Everything the auth server's routes share, built once from the runtime (composition root). */
export async function createAuthServices(runtime: Runtime) {
  const { config, db, bus, clock, secrets, logger } = runtime;
  const knex = db.knex;
  const log = logger.child({ component: 'auth' });
  const revocation: RevocationDeps = { knex, bus, clock, config };
  const clients = createClientService({
    knex,
    secrets,
    publicUrl: config.PUBLIC_URL,
    cutoff: { bus, clock, config },
  });
  const lookups = createGrantLookups({ knex, bus, clock, maxAgeMs: config.AUTH_CACHE_MAX_AGE_MS, unseal: (row) => clients.secretOf(row) });
  const findAccount = createFindAccount(knex);
  const keyDeps: SigningKeyDeps = { knex, secrets, config, now: () => clock.now() };
  await ensureSigningKeys(keyDeps);

  const findClient = async (clientId: string): Promise<AdapterPayload | undefined> => {
    if (clientId === ACCOUNT_CLIENT_ID) return accountClientMetadata(config.PUBLIC_URL);
    // Reserved for the token API's own tokens (contract/first-party.ts): never an OAuth client,
    // even if a row by that id were put in the table by hand.
    if (clientId === FIRST_PARTY_CLIENT_ID) return undefined;
    const found = await lookups.client(clientId);
    return found ? (toProviderMetadata(found.row, found.secret) as AdapterPayload) : undefined;
  };
  const adapter = createAdapterFactory({
    knex,
    clock,
    findClient,
    onReplay: (grantId) => revokeGrant(revocation, grantId),
    onAccessTokensRevoked: (grantId) => announceGrantRevoked(revocation, grantId),
  });
  // Signed with the first; during a root-secret rotation the previous secret's key still verifies.
  const cookieKeys = secrets.accepted('cookie').map((key) => key.toString('base64url'));

  const providers = await createProviderHolder({
    loadKeys: () => loadSigningKeys(keyDeps),
    build: (keys) => createProvider({
      config, knex, clock, adapter, findAccount, cookieKeys, logger: log, reads: lookups,
      privateJwks: keys.privateJwks,
      pages: {
        renderError: async (ctx, out) => {
          ctx.type = 'html';
          ctx.body = renderError({ error: String(out.error), ...(out.error_description ? { description: String(out.error_description) } : {}) });
        },
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = renderLogoutConfirm({ form, ...(ctx.oidc.client?.clientName ? { clientName: ctx.oidc.client.clientName } : {}) });
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = renderLoggedOut({ ...(ctx.oidc.client?.clientName ? { clientName: ctx.oidc.client.clientName } : {}) });
        },
      },
    }),
    bus,
    refreshMs: config.SIGNING_KEY_REFRESH_SECONDS * 1000,
    logger: log,
  });

  return {
    knex,
    log,
    clients,
    lookups,
    findAccount,
    revocation,
    providers,
    keyDeps,
    throttle: createLoginThrottle(config, runtime.redis),
    csrf: createCsrf(secrets.derive('csrf')),
    cookieKeys,
    verifyAccessToken: createAccessTokenVerifier({ knex, clock, config, liveKeys: lookups.liveKeys }),
  };
}

export type AuthServices = Awaited<ReturnType<typeof createAuthServices>>;
