import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { countUsers, insertMembership, insertOrganization, insertUser } from '../db/accounts.js';
import { hashPassword } from '../shared/password.js';

export interface BootstrapResult {
  created: boolean;
  email?: string;
  /** Set only when the password was generated: it is shown once and never stored in clear. */
  generatedPassword?: string;
  organizationId?: string;
}

/**
 * First run: on a database with no users, create an organization and its admin. Later starts
 * (and concurrent ones, serialized by an advisory lock) find a user and do nothing.
 */
export async function bootstrapFirstRun(
  knex: Knex,
  options: { email?: string | undefined; password?: string | undefined; organizationName: string },
): Promise<BootstrapResult> {
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [0x6761_7465]);
    if ((await countUsers(trx)) > 0) return { created: false };
    const email = options.email ?? 'admin@localhost';
    const generatedPassword = options.password === undefined ? randomBytes(15).toString('base64url') : undefined;
    const organization = await insertOrganization(trx, { name: options.organizationName });
    const user = await insertUser(trx, {
      email,
      name: 'Administrator',
      passwordHash: await hashPassword(options.password ?? generatedPassword!),
    });
    await insertMembership(trx, { userId: user.id, organizationId: organization.id, role: 'admin' });
    return { created: true, email, organizationId: organization.id, ...(generatedPassword ? { generatedPassword } : {}) };
  });
}

