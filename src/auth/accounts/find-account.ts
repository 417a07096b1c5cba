import type { Knex } from 'knex';
import type { Account, FindAccount } from 'oidc-provider';
import { canSignIn, findUserById } from '../../db/accounts.js';
import { rememberedAccount, type GrantAccount } from '../storage/request-grants.js';

/**
 * oidc-provider's account lookup. A disabled user, or an account its owner has not activated
 * (issue 17), is "not found": the provider then refuses every refresh and code redemption for
 * them (`invalid_grant`), and the session ends. A token request has read the user already, with
 * its code or refresh token, in this very request (storage/grant-source-rows.ts).
 */
export function createFindAccount(knex: Knex): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const remembered = rememberedAccount(sub);
    const user: GrantAccount | null | undefined = remembered ? remembered.account : await findUserById(knex, sub);
    if (!user || !canSignIn(user)) return undefined;
    return {
      accountId: user.id,
      async claims(_use, scope) {
        const scopes = new Set(scope.split(' '));
        return {
          sub: user.id,
          ...(scopes.has('email') ? { email: user.email, email_verified: user.email_verified_at !== null } : {}),
          ...(scopes.has('profile') ? { name: user.name || user.email } : {}),
        };
      },
    };
  };
}
