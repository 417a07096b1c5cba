import type { Knex } from 'knex';
import { insertMembership, insertUser } from '../../db/accounts.js';
import type { Role } from '../../contract/roles.js';

export async function emailTaken(knex: Knex, email: string): Promise<boolean> {
  return (await knex('users').whereRaw('lower(email) = lower(?)', [email]).first('id')) !== undefined;
}

/** A new, pending user (no password, email unproven) and its membership; both or neither. */
export async function insertMemberUser(
  knex: Knex,
  input: { organizationId: string; email: string; name: string; role: Role; isBot: boolean },
): Promise<string> {
  const user = await insertUser(knex, { email: input.email, name: input.name, passwordHash: null, isBot: input.isBot, pending: true });
  await insertMembership(knex, { userId: user.id, organizationId: input.organizationId, role: input.role });
  return user.id;
}
