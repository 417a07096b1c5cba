import type { Knex } from 'knex';
import { findOrganization } from '../../db/accounts.js';
import { sendActivation } from '../../domain/accounts.js';
import { AppError } from '../../shared/errors.js';
import { recordChange } from '../../domain/record-change.js';
import { userOperations } from '../../contract/operations/users.js';
import { callerOf, implement, userCallerOf } from '../handler.js';
import { presentUser } from '../members/present.js';
import { memberHandlersFor } from '../members/handlers.js';
import { findMember } from '../members/queries.js';
import { changeMember } from '../members/service.js';
import { notFound } from '../shared/not-found.js';
import { emailTaken, insertMemberUser } from './queries.js';

// Seed 001 "users": the organization's users. `/users/me` and the self rule act on the caller.
export const userHandlers = implement(userOperations, {
  ...memberHandlersFor(userOperations, presentUser, 'user'),
  async fetchMe(input) {
    const { identity } = userCallerOf(input);
    const row = await findMember(input.knex, identity.org, identity.sub);
    if (!row) throw notFound('user');
    return { data: presentUser(row) };
  },
  async updateMe(input) {
    const caller = userCallerOf(input);
    const row = await changeMember(input.runtime, caller, caller.identity.sub, input.body, userOperations.update.name);
    return { data: presentUser(row) };
  },
  async create(input) {
    const caller = callerOf(input);
    const { body } = input;
    const { runtime } = input;
    const row = await input.knex.transaction(async (trx) => {
      if (await emailTaken(trx, body.email)) {
        throw new AppError('conflict', 'A user with this email already exists; invite them instead.', { details: { field: 'email' } });
      }
      // Issue 17: pending, without a password; the owner of the mailbox activates it (a bot's
      // owner reads the bot address's mail the same way).
      const id = await insertMemberUser(trx, {
        organizationId: caller.identity.org, email: body.email, name: body.name ?? '', role: body.role, isBot: body.is_bot ?? false,
      });
      await sendActivation(trx, runtime, {
        user: { id, email: body.email },
        organizationName: await organizationName(trx, caller.identity.org),
        expiresAt: new Date(runtime.clock.now() + runtime.config.API_INVITATION_TTL_HOURS * 3_600_000),
      });
      await recordChange(trx, caller, { action: 'users.create', resourceType: 'user', resourceId: id, changes: { ...body } });
      return (await findMember(trx, caller.identity.org, id))!;
    });
    return { data: presentUser(row) };
  },
  async resendActivation(input) {
    const caller = callerOf(input);
    const { runtime } = input;
    const row = await input.knex.transaction(async (trx) => {
      const member = await findMember(trx, caller.identity.org, input.params.id);
      if (!member) throw notFound('user');
      if (member.email_verified_at !== null) throw new AppError('conflict', 'This account is already activated.');
      await sendActivation(trx, runtime, {
        user: { id: member.id, email: member.email },
        organizationName: await organizationName(trx, caller.identity.org),
        expiresAt: new Date(runtime.clock.now() + runtime.config.API_INVITATION_TTL_HOURS * 3_600_000),
      });
      await recordChange(trx, caller, { action: 'users.resendActivation', resourceType: 'user', resourceId: member.id });
      return member;
    });
    return { data: presentUser(row) };
  },
});

async function organizationName(knex: Knex, organizationId: string): Promise<string> {
  return (await findOrganization(knex, organizationId))?.name ?? 'an organization';
}
