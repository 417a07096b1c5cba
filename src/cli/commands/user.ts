import type { Command } from '../command.js';
import { requireString, UsageError } from '../command.js';
import { findOrganization, findUserByEmail, insertMembership, insertUser } from '../../db/accounts.js';
import { revokeEverythingOfUser } from '../../auth/grants/revoke-grant.js';
import { createInProcessBus } from '../../shared/bus.js';
import { systemClock } from '../../shared/clock.js';
import { isRole, ROLES } from '../../contract/roles.js';
import { hashPassword } from '../../shared/password.js';
import { checkPassword, PASSWORD_PROBLEMS } from '../../shared/password-policy.js';
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
    const problem = checkPassword(password);
    if (problem) throw new UsageError(`--password ${PASSWORD_PROBLEMS[problem]}`);
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

/**
 * The operator's switch for an account (not an organization's: members are disabled per
 * organization through the API): the user can no longer sign in anywhere, and every grant,
 * session and token they hold stops at every gateway.
 */
export const userDisableCommand: Command = {
  words: ['user', 'disable'],
  summary: 'disable an account everywhere: no sign-in, every grant, session and token revoked',
  usage: 'gatehouse user disable --email EMAIL [--json]',
  options: { email: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, out }) {
    const email = requireString(values, 'email');
    const disabled = await withDatabase(async (db, config, bus) => {
      const user = await findUserByEmail(db.knex, email);
      if (!user) throw new UsageError(`no user with the email ${email}`);
      await db.knex('users').where({ id: user.id }).update({ disabled_at: user.disabled_at ?? new Date() });
      // Without a running server's bus, gateways find the revocation on their next reload (GATEWAY_REVOCATION_RESYNC_MS).
      await revokeEverythingOfUser({ knex: db.knex, bus: bus ?? createInProcessBus(), clock: systemClock, config }, user.id);
      return { id: user.id, email: user.email, disabled: true };
    });
    out(values.json ? JSON.stringify(disabled) : `disabled user ${disabled.id} (${disabled.email}); their tokens, grants and sessions are revoked`);
  },
};
