import type { Knex } from 'knex';
import { directGrantReads, type GrantReads } from '../cache/grant-lookups.js';
import { errors, type AccessToken, type ClientCredentials, type JWTStructured, type KoaContextWithOIDC } from 'oidc-provider';
import { highestRole, lowerRole, type Role } from '../../contract/roles.js';
import { findGrantOrganization } from '../storage/oidc-rows.js';
import { rememberedGrantOrganization } from '../storage/request-grants.js';
import { splitScope, tokenScopeClaim } from './scopes.js';

/**
 * Shapes every JWT access token (issue 3 decision): `scope` holds exactly one role scope plus
 * the OIDC scopes asked for; `org` is the organization the grant was consented for (a service
 * client's own organization for client credentials); `gid` is the grant id, so the gateway can
 * honour a grant revocation without asking us.
 */
export function createAccessTokenCustomizer(knex: Knex, reads: GrantReads = directGrantReads(knex)) {
  return async function customizeAccessToken(ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials, jwt: JWTStructured): Promise<void> {
    const payload = jwt.payload;
    // Issue 17 (findings 1, 4): the client's cap as it is now (at most AUTH_CACHE_MAX_AGE_MS old,
    // and dropped at once when a change is announced), read at every issuance (client credentials,
    // code, refresh, implicit, silent authorization), never the provider's copy of its metadata or
    // what a grant remembers. Capping here, where the token is minted, leaves no route around it.
    const client = await reads.clientRow(ctx.oidc.client!.clientId);
    if (!client) throw new errors.InvalidClient('the client no longer exists');
    if (token.kind === 'ClientCredentials') {
      const asked = highestRole(splitScope(token.scope));
      payload.org = client.organization_id ?? undefined;
      payload.scope = tokenScopeClaim(asked ? lowerRole(asked, client.max_role) : client.max_role, undefined);
      // RFC 6749 §5.1: the response names the scope granted when it differs from the request.
      token.scope = payload.scope as string;
      return;
    }
    const at = token as AccessToken;
    const grantId = at.grantId!;
    const organizationId = rememberedGrantOrganization(grantId) ?? (await findGrantOrganization(knex, grantId));
    if (!organizationId) throw new errors.InvalidGrant('grant has no organization');
    // A refresh after a demotion must not keep the old role (DESIGN.md: never above the user's role).
    const currentRole = await reads.membershipRole(organizationId, at.accountId);
    if (!currentRole) throw new errors.InvalidGrant('the user is no longer a member of the organization');
    // Asking for no role asks for what the grant holds (provider/scopes.ts effectiveRole): when a
    // remembered consent let the request through without our consent step, the grant says it.
    const grant = (ctx.oidc.entities as { Grant?: { getResourceScope(resource: string): string } }).Grant;
    const grantedRole = highestRole((at.scope ?? '').split(' '))
      ?? (grant && typeof payload.aud === 'string' ? highestRole(grant.getResourceScope(payload.aud).split(' ')) : undefined);
    const role: Role | undefined = grantedRole ? lowerRole(lowerRole(grantedRole, currentRole), client.max_role) : undefined;
    const entities = ctx.oidc.entities as { AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
    const asked = entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? ctx.oidc.params?.scope as string | undefined;
    payload.scope = tokenScopeClaim(role, asked);
    // The token response's `scope` names the role actually granted, not the one remembered.
    if (role) at.scope = role;
    payload.org = organizationId;
    payload.gid = grantId;
  };
}
