import type { Knex } from 'knex';
import { errors, type Client, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import { OAUTH_ROUTES } from '../../contract/auth-routes.js';
import { ROLES, roleAllows, type Role } from '../../contract/roles.js';
import type { GrantReads } from '../cache/grant-lookups.js';
import type { Config } from '../../shared/config/index.js';
import type { Clock } from '../../shared/clock.js';
import { findLatestGrantId } from '../storage/oidc-rows.js';
import { createAccessTokenCustomizer } from './access-token-claims.js';
import { clientExtras, EXTRA_CLIENT_METADATA } from './client-extras.js';
import { OIDC_SCOPES } from './scopes.js';
import { DEFAULT_SIGNING_ALG, isSigningAlg, SIGNING_ALGS } from '../../contract/signing.js';

/** Where each endpoint lives (issue 3: everything under `/oauth2/`), from the one table of auth-server paths. */
export const ROUTES = OAUTH_ROUTES;

export interface ProviderConfigDeps {
  config: Config;
  knex: Knex;
  clock: Clock;
  /** The client and membership reads of every grant (the client cached: auth/cache/grant-lookups.ts). */
  reads: GrantReads;
  adapter: NonNullable<Configuration['adapter']>;
  findAccount: NonNullable<Configuration['findAccount']>;
  privateJwks: JWK[];
  cookieKeys: string[];
  pages: Pick<Configuration, 'renderError'> & {
    logoutSource: NonNullable<NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['logoutSource']>;
    postLogoutSuccessSource: NonNullable<NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['postLogoutSuccessSource']>;
  };
}

// Access tokens minted at the authorization endpoint are implicit ones (seed 000: short-lived).
const isFrontChannel = (ctx: KoaContextWithOIDC | undefined) => ctx?.oidc?.route === 'authorization' || ctx?.oidc?.route === 'resume';

/**
 * The role scopes a client may be granted at the API. A service client's list stops at its
 * current `max_role` (issue 17: its registration, not a middleware on one path, caps client
 * credentials); user-facing clients list every role and are downgraded at consent (issue 3).
 */
async function resourceScopesOf(reads: GrantReads, client: Client): Promise<readonly Role[]> {
  if (clientExtras(client).type !== 'service') return ROLES;
  const row = await reads.clientRow(client.clientId);
  return row ? ROLES.filter((role) => roleAllows(row.max_role, role)) : [];
}

export function buildConfiguration(deps: ProviderConfigDeps): Configuration {
  const { config, knex, clock } = deps;
  const secure = new URL(config.PUBLIC_URL).protocol === 'https:';
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure };

  return {
    adapter: deps.adapter,
    findAccount: deps.findAccount,
    jwks: { keys: deps.privateJwks },
    cookies: {
      keys: deps.cookieKeys,
      long: cookie,
      short: cookie,
      names: { session: 'gh_session', interaction: 'gh_interaction', resume: 'gh_interaction_resume' },
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Role scopes are the API's (resource-server scopes below), not OpenID Connect ones.
    scopes: [...OIDC_SCOPES],
    // `none` carries RFC 6749 `response_type=token` (plain-implicit.ts); `id_token token` is OIDC implicit.
    responseTypes: ['code', 'id_token token', 'none'],
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
    enabledJWA: { idTokenSigningAlgValues: [...SIGNING_ALGS] },
    extraClientMetadata: { properties: EXTRA_CLIENT_METADATA },
    clientBasedCORS: (_ctx, origin, client) => clientExtras(client).allowedOrigins.includes(origin),
    pkce: {
      // Public clients always; confidential ones unless the operator turned it off (docs/readme/oauth.md).
      // The provider asks only when `code` is requested, so plain implicit (`none`) needs no
      // exception here; one keyed on the response mode let `code` skip PKCE (issue 17).
      required: (_ctx, client) => client.clientAuthMethod === 'none' || config.PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS,
    },
    routes: ROUTES,
    // The authorization endpoint answers GET only: plain-implicit.ts rewrites its query string,
    // and a form body would be a way around that rewrite (issue 17).
    enableHttpPostMethods: false,
    allowOmittingSingleRegisteredRedirectUri: false,
    conformIdTokenClaims: true,
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    // Seed 000: the code is exchanged for an access token *and* a refresh token.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    loadExistingGrant: async (ctx) => {
      const { session, client } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      // Consent is remembered per user and client across sessions, not only in this browser.
      const grantId = ctx.oidc.result?.consent?.grantId
        ?? session.grantIdFor(client.clientId)
        ?? (await findLatestGrantId(knex, session.accountId, client.clientId, new Date(clock.now())));
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: deps.pages.renderError,
    ttl: {
      AccessToken: (ctx, token) =>
        token.resourceServer?.accessTokenTTL ?? (isFrontChannel(ctx) ? config.IMPLICIT_ACCESS_TOKEN_TTL_SECONDS : config.ACCESS_TOKEN_TTL_SECONDS),
      ClientCredentials: () => config.ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: () => config.AUTHORIZATION_CODE_TTL_SECONDS,
      IdToken: () => config.ID_TOKEN_TTL_SECONDS,
      RefreshToken: () => config.REFRESH_TOKEN_TTL_SECONDS,
      Interaction: () => config.INTERACTION_TTL_SECONDS,
      Session: () => config.SESSION_TTL_SECONDS,
      Grant: () => config.GRANT_TTL_SECONDS,
    },
    formats: { customizers: { jwt: createAccessTokenCustomizer(knex, deps.reads) } },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // The provider stores only refresh tokens (and codes): only their own client may ask about
        // them. Resource servers introspect access tokens, JWTs, in tokens/token-endpoints.ts (issue 17).
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      // RFC 7009 §2.1: a client revokes only tokens issued to it; others are ignored (200).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      // Neither the gateway nor the auth server's path table serves `/request`; a pushed request
      // would also be a way around the authorization endpoint's parameter rewrite (plain-implicit.ts).
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource: deps.pages.logoutSource, postLogoutSuccessSource: deps.pages.postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => config.API_AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resourceIndicator, client) => {
          if (resourceIndicator !== config.API_AUDIENCE) throw new errors.InvalidTarget('unknown resource');
          return {
            scope: (await resourceScopesOf(deps.reads, client)).join(' '),
            audience: config.API_AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: isFrontChannel(ctx) ? config.IMPLICIT_ACCESS_TOKEN_TTL_SECONDS : config.ACCESS_TOKEN_TTL_SECONDS,
            jwt: { sign: { alg: isSigningAlg(client.idTokenSignedResponseAlg) ? client.idTokenSignedResponseAlg : DEFAULT_SIGNING_ALG } },
          };
        },
      },
    },
  };
}
