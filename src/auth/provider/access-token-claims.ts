import type { Knex } from 'knex';
import { errors, type AccessToken, type ClientCredentials, type JWTStructured, type KoaContextWithOIDC } from 'oidc-provider';
import { highestRole, lowerRole, type Role } from '../../contract/roles.js';
import { findActiveMembershipRole } from '../../db/accounts.js';
import { findGrantOrganization } from '../storage/oidc-rows.js';
import { rememberedGrantOrganization } from '../storage/request-grants.js';
import { clientExtras } from './client-extras.js';
import { tokenScopeClaim } from './scopes.js';

/**
 * Shapes every JWT access token (issue 3 decision): `scope` holds exactly one role scope plus
 * the OIDC scopes asked for; `org` is the organization the grant was consented for (a service
 * client's own organization for client credentials); `gid` is the grant id, so the gateway can
 * honour a grant revocation without asking us.
 */
export function createAccessTokenCustomizer(knex: Knex) {
  return async function customizeAccessToken(ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials, jwt: JWTStructured): Promise<void> {
    const payload = jwt.payload;
    if (token.kind === 'ClientCredentials') {
      const extras = clientExtras(ctx.oidc.client!);
      payload.org = extras.organizationId;
      payload.scope = tokenScopeClaim(token.scope ?? extras.maxRole, undefined);
      return;
    }
    const at = token as AccessToken;
    const grantId = at.grantId!;
    const organizationId = rememberedGrantOrganization(grantId) ?? (await findGrantOrganization(knex, grantId));
    if (!organizationId) throw new errors.InvalidGrant('grant has no organization');
    // A refresh after a demotion must not keep the old role (DESIGN.md: never above the user's role).
    const currentRole = await findActiveMembershipRole(knex, organizationId, at.accountId);
    if (!currentRole) throw new errors.InvalidGrant('the user is no longer a member of the organization');
    // Asking for no role asks for what the grant holds (provider/scopes.ts effectiveRole): when a
    // remembered consent let the request through without our consent step, the grant says it.
    const grant = (ctx.oidc.entities as { Grant?: { getResourceScope(resource: string): string } }).Grant;
    const grantedRole = highestRole((at.scope ?? '').split(' '))
      ?? (grant && typeof payload.aud === 'string' ? highestRole(grant.getResourceScope(payload.aud).split(' ')) : undefined);
    const role: Role | undefined = grantedRole ? lowerRole(grantedRole, currentRole) : undefined;
    const entities = ctx.oidc.entities as { AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
    const asked = entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? ctx.oidc.params?.scope as string | undefined;
    payload.scope = tokenScopeClaim(role, asked);
    payload.org = organizationId;
    payload.gid = grantId;
  };
}
