import type { Knex } from 'knex';
import type { Account, FindAccount } from 'oidc-provider';
import { findUserById } from '../../db/accounts.js';

/**
 * oidc-provider's account lookup. A disabled user is "not found": the provider then refuses
 * every refresh and code redemption for them (`invalid_grant`), and the session ends.
 */
export function createFindAccount(knex: Knex): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const user = await findUserById(knex, sub);
    if (!user || user.disabled_at) return undefined;
    return {
      accountId: user.id,
      async claims(_use, scope) {
        const scopes = new Set(scope.split(' '));
        return {
          sub: user.id,
          ...(scopes.has('email') ? { email: user.email, email_verified: false } : {}),
          ...(scopes.has('profile') ? { name: user.name || user.email } : {}),
        };
      },
    };
  };
}
