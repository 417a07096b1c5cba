import type { Command } from '../command.js';
import { requireString, UsageError } from '../command.js';
import { findOrganization, insertMembership, insertUser } from '../../db/accounts.js';
import { isRole, ROLES } from '../../contract/roles.js';
import { hashPassword } from '../../shared/password.js';
import { withDatabase } from './shared.js';

export const userCreateCommand: Command = {
  words: ['user', 'create'],
  summary: 'create a user with a role in an organization',
  usage: 'gatehouse user create --email EMAIL --password PASSWORD --role guest|agent|bot|admin --org ID_OR_NAME [--name NAME] [--bot] [--json]',
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    role: { type: 'string' },
    org: { type: 'string' },
    name: { type: 'string' },
    bot: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, out }) {
    const email = requireString(values, 'email');
    const password = requireString(values, 'password');
    const role = requireString(values, 'role');
    const org = requireString(values, 'org');
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError('--email must be an email address');
    if (password.length < 8) throw new UsageError('--password must be at least 8 characters');
    if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const passwordHash = await hashPassword(password);
    const user = await withDatabase(async (db) => {
      const organization = await findOrganization(db.knex, org);
      if (!organization) throw new UsageError(`no organization "${org}"`);
      return db.knex.transaction(async (trx) => {
        const created = await insertUser(trx, {
          email,
          name: typeof values.name === 'string' ? values.name : '',
          passwordHash,
          isBot: values.bot === true,
        });
        await insertMembership(trx, { userId: created.id, organizationId: organization.id, role });
        return { id: created.id, email: created.email, organization_id: organization.id, role };
      });
    });
    out(values.json ? JSON.stringify(user) : `created user ${user.id} (${user.email}) as ${user.role} in ${user.organization_id}`);
  },
};
