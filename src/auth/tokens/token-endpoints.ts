import querystring from 'node:querystring';
import type { Context, Middleware } from 'koa';
import type { Knex } from 'knex';
import type { FindAccount } from 'oidc-provider';
import type { ClientRow } from '../../db/oauth-clients/client-rows.js';
import type { GrantLookups } from '../cache/grant-lookups.js';
import type { RevocationDeps } from '../grants/revoke-grant.js';
import { revokeAccessToken } from '../grants/revoke-grant.js';
import { readRawBody } from '../http/form-body.js';
import { ROUTES } from '../provider/configuration.js';
import { oidcScopesOf, splitScope } from '../provider/scopes.js';
import { authenticateClient } from './client-auth.js';
import { looksLikeJwt, type AccessTokenClaims, type AccessTokenVerifier } from './verify-access-token.js';

export interface TokenEndpointDeps {
  knex: Knex;
  lookups: GrantLookups;
  verify: AccessTokenVerifier;
  revocation: RevocationDeps;
  findAccount: FindAccount;
}

type Body = Record<string, string | string[] | undefined>;

function oauthError(ctx: Context, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  if (status === 401) ctx.set('www-authenticate', 'Basic realm="gatehouse"');
  ctx.body = { error, error_description: description };
}

const one = (body: Body, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined);

/**
 * Who may learn what a token holds (issue 17, finding 8): the client it was issued to, or a
 * resource server (a confidential client so marked) of the token's own organization. Anyone else
 * hears `active: false`, as for an unknown token, and learns no other tenant's `sub`, `org`, scope.
 */
function mayIntrospect(caller: ClientRow, claims: AccessTokenClaims): boolean {
  if (claims.client_id === caller.id) return true;
  return caller.resource_server && caller.organization_id !== null && caller.organization_id === claims.org;
}

/**
 * What the provider alone cannot do, in front of it:
 * - RFC 7662 introspection and RFC 7009 revocation of our JWT access tokens (it only knows the
 *   tokens it stores);
 * - userinfo with a JWT access token (its userinfo takes only audience-less opaque tokens).
 * Client credentials are capped where the token is minted (access-token-claims.ts), not here:
 * a step keyed on this path was skipped by another spelling of it (issue 17).
 * Anything else is handed on untouched, with the body it already read.
 */
export function tokenEndpoints(deps: TokenEndpointDeps): Middleware {
  async function introspect(ctx: Context, body: Body, token: string): Promise<void> {
    const caller = await authenticateClient(deps, ctx.get('authorization') || undefined, body);
    if (!caller.ok) return oauthError(ctx, 401, 'invalid_client', 'client authentication failed');
    const claims = await deps.verify(token);
    ctx.set('cache-control', 'no-store');
    if (!claims || !mayIntrospect(caller.client, claims)) {
      ctx.body = { active: false };
      return;
    }
    ctx.body = {
      active: true,
      token_type: 'Bearer',
      client_id: claims.client_id,
      scope: claims.scope,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      org: claims.org,
      ...(claims.gid ? { gid: claims.gid } : {}),
    };
  }

  async function revoke(ctx: Context, body: Body, token: string): Promise<void> {
    const caller = await authenticateClient(deps, ctx.get('authorization') || undefined, body);
    if (!caller.ok) return oauthError(ctx, 401, 'invalid_client', 'client authentication failed');
    const claims = await deps.verify(token, { ignoreExpiry: true });
    ctx.status = 200;
    ctx.body = '';
    // RFC 7009 §2.2: unknown, expired or foreign tokens still get 200 and nothing happens.
    if (!claims || claims.client_id !== caller.client.id || !claims.jti || !claims.exp) return;
    if (claims.exp * 1000 <= deps.revocation.clock.now()) return;
    await revokeAccessToken(deps.revocation, claims.jti, claims.exp * 1000);
  }

  async function userinfo(ctx: Context, token: string): Promise<void> {
    const claims = await deps.verify(token);
    if (!claims?.sub || claims.sub === claims.client_id) {
      ctx.status = 401;
      ctx.set('www-authenticate', 'Bearer error="invalid_token"');
      ctx.body = { error: 'invalid_token', error_description: 'invalid token provided' };
      return;
    }
    const scopes = splitScope(claims.scope);
    if (!scopes.includes('openid')) {
      ctx.status = 403;
      ctx.set('www-authenticate', 'Bearer error="insufficient_scope", scope="openid"');
      ctx.body = { error: 'insufficient_scope', error_description: 'the token was not issued with the openid scope' };
      return;
    }
    const account = await deps.findAccount(ctx as never, claims.sub);
    if (!account) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_token', error_description: 'the account is no longer active' };
      return;
    }
    ctx.set('cache-control', 'no-store');
    ctx.body = await account.claims('userinfo', oidcScopesOf(claims.scope).join(' '), {}, []);
  }

  return async function gatehouseTokenEndpoints(ctx, next) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    if (ctx.path === ROUTES.userinfo && bearer && looksLikeJwt(bearer)) return userinfo(ctx, bearer);

    // The token endpoint too: its body is read here, bounded, so an oversized one keeps the RFC 6749 shape.
    const handled = [ROUTES.introspection, ROUTES.revocation, ROUTES.token] as string[];
    if (ctx.method !== 'POST' || !handled.includes(ctx.path) || !ctx.is('application/x-www-form-urlencoded')) return next();
    let raw: string;
    try {
      raw = await readRawBody(ctx);
    } catch (err) {
      // RFC 6749 §5.2 error shape on OAuth endpoints, not the API envelope.
      const code = (err as { code?: string }).code;
      if (code === 'payload_too_large') return oauthError(ctx, 413, 'invalid_request', 'request body too large');
      if (code === 'invalid_request') return oauthError(ctx, 400, 'invalid_request', (err as Error).message);
      throw err;
    }
    const body = querystring.parse(raw) as Body;
    const token = one(body, 'token');
    if (ctx.path === ROUTES.introspection && token && looksLikeJwt(token)) return introspect(ctx, body, token);
    if (ctx.path === ROUTES.revocation && token && looksLikeJwt(token)) return revoke(ctx, body, token);
    // The provider reads an already-read body from req.body (oidc-provider selective_body.js).
    (ctx.req as unknown as { body: Body }).body = body;
    return next();
  };
}
