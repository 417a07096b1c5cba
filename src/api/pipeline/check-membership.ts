import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import { lowerRole, isRole } from '../../contract/roles.js';
import { AppError } from '../../shared/errors.js';
import { findActiveMembershipRole } from '../../db/accounts.js';

/**
 * Defence in depth behind the revocation list: a user (or a user's API key) acts in an
 * organization only while an active member of it, and never above its current role there. A
 * removed or disabled member is refused at once (401), a demoted one acts with the new role,
 * even if a token minted before the change is still in flight. Service identities (OAuth client
 * credentials) have no membership and keep the scope the gateway established. A visitor is no
 * member either: it acts while its visitor row exists in the organization (a deleted visitor's
 * session is refused at once).
 */
export function checkMembership(knex: Knex): Middleware {
  return async function checkMembershipStep(ctx, next) {
    const call = ctx.state.call;
    const identity = call.identity;
    if (identity?.kind === 'visitor') {
      const exists = await knex('visitors').where({ id: identity.sub, organization_id: identity.org }).first('id');
      if (!exists) throw new AppError('invalid_auth', 'This visitor session no longer exists.');
      call.identity = { ...identity, role: 'guest' };
    } else if (identity && identity.kind !== 'client') {
      const role = await findActiveMembershipRole(knex, identity.org, identity.sub);
      if (!isRole(role)) throw new AppError('invalid_auth', 'The caller is no longer an active member of this organization.');
      call.identity = { ...identity, role: lowerRole(identity.role, role) };
    }
    await next();
  };
}
