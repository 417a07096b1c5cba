import type { Context } from 'koa';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { canSignIn, findUserById, type UserRow } from '../../db/accounts.js';

/** The user signed in to the provider's session, unless they were disabled since (or cannot sign in). */
export async function signedInUser(ctx: Context, provider: Provider, knex: Knex): Promise<{ user: UserRow; sessionUid: string } | undefined> {
  const session = await provider.Session.get(ctx as never);
  if (!session.accountId) return undefined;
  const user = await findUserById(knex, session.accountId);
  if (!user || !canSignIn(user)) return undefined;
  return { user, sessionUid: session.uid };
}
