import { decodeJwt } from 'jose';
import type { Middleware } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

/**
 * RFC 6749 §4.2 `response_type=token`, which oidc-provider 9 no longer offers (seed 000 needs it).
 *
 * The request is handed to the provider as `response_type=none` with an internal response mode,
 * so the provider does everything it does for any authorization request (client and redirect URI
 * checks, session, login, consent, `prompt`, `max_age`, errors). Only the last step differs: the
 * response mode mints the access token exactly as the provider's own `id_token token` handler does
 * and answers in the fragment with `access_token`, `token_type`, `expires_in`, `scope`, `state`.
 * Only clients registered with the `none` response type (SPAs) can get there.
 */
export const PLAIN_IMPLICIT_MODE = 'gatehouse.token_fragment';

/**
 * The rewrite of one authorization request's parameters; true when something changed. The
 * internal mode asked for directly becomes an unsupported one (refused by the provider), so the
 * only way to it is `response_type=token` (issue 17, finding 1).
 */
function rewriteParams(params: URLSearchParams): boolean {
  let changed = false;
  if (params.getAll('response_mode').includes(PLAIN_IMPLICIT_MODE)) {
    params.set('response_mode', 'unsupported');
    changed = true;
  }
  if (params.getAll('response_type').length === 1 && params.get('response_type') === 'token') {
    const mode = params.get('response_mode');
    params.set('response_type', 'none');
    // §4.2.2: the token travels in the fragment; any other mode is refused by the provider.
    params.set('response_mode', mode === null || mode === 'fragment' ? PLAIN_IMPLICIT_MODE : 'unsupported');
    changed = true;
  }
  return changed;
}

/**
 * Rewrites inbound authorization requests. GET only: the provider serves the authorization
 * endpoint by GET alone (`enableHttpPostMethods: false`, pinned in configuration.ts), so a POST
 * never reaches it; the path is exact because app.ts refused every other spelling of it before.
 */
export function plainImplicitRequest(authorizationPath: string): Middleware {
  return async function rewritePlainImplicit(ctx, next) {
    if (ctx.path !== authorizationPath || ctx.method !== 'GET') return next();
    const query = new URLSearchParams(ctx.querystring);
    if (rewriteParams(query)) ctx.querystring = query.toString();
    return next();
  };
}

function fragmentRedirect(ctx: KoaContextWithOIDC, redirectUri: string, payload: Record<string, unknown>): void {
  const url = new URL(redirectUri);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(payload)) if (value !== undefined) params.set(key, String(value));
  url.hash = params.toString();
  ctx.status = 303;
  ctx.redirect(url.href);
}

export function registerPlainImplicit(provider: Provider): void {
  // Discovery names what clients may ask for: `token` is served (rewritten above), though the
  // provider only knows it as `none` (issue 13: strict clients refused to use it).
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { response_types_supported?: string[] } | undefined;
    if (ctx.oidc?.route === 'discovery' && Array.isArray(body?.response_types_supported) && !body.response_types_supported.includes('token')) {
      body.response_types_supported = [...body.response_types_supported, 'token'];
    }
  });
  provider.registerResponseMode(PLAIN_IMPLICIT_MODE, async (ctx: KoaContextWithOIDC, redirectUri: string, payload: Record<string, unknown>) => {
    if ('error' in payload) return fragmentRedirect(ctx, redirectUri, payload);
    const { client, session, grant, params, resourceServers } = ctx.oidc;
    // Only the rewrite above leads here, always with `none`; anything else (a pushed or
    // otherwise smuggled request, `code` without PKCE) is refused, never answered with a token.
    if (params?.response_type !== 'none') {
      return fragmentRedirect(ctx, redirectUri, { error: 'unsupported_response_mode', error_description: 'unsupported response_mode requested', state: payload.state, iss: payload.iss });
    }
    if (!client || !session?.accountId || !grant || !resourceServers || !client.grantTypeAllowed('implicit') || !session.grantIdFor(client.clientId)) {
      return fragmentRedirect(ctx, redirectUri, { error: 'unauthorized_client', error_description: 'implicit grant is not allowed for this client', state: payload.state, iss: payload.iss });
    }
    const resource = params!.resource as string;
    const grantId = session.grantIdFor(client.clientId);
    const token = new ctx.oidc.provider.AccessToken({
      accountId: session.accountId,
      client,
      grantId: grantId!,
      gty: 'implicit',
      sessionUid: session.uid,
      sid: session.sidFor(client.clientId),
    });
    token.resourceServer = resourceServers[resource];
    token.scope = grant.getResourceScopeFiltered(resource, ctx.oidc.requestParamScopes);
    ctx.oidc.entity('AccessToken', token);
    const accessToken = await token.save();
    return fragmentRedirect(ctx, redirectUri, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: token.expiration,
      // §4.2.2: scope is required when it differs from the request, which a downgraded role does.
      scope: decodeJwt(accessToken).scope,
      state: payload.state,
      iss: payload.iss,
    });
  });
}
