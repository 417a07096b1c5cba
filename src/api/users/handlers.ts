import type { Role } from '../../contract/roles.js';
import { AppError } from '../../shared/errors.js';
import { hashPassword } from '../../shared/password.js';
import { audit } from '../audit/service.js';
import { callerOf, userCallerOf, type Handler } from '../handler.js';
import { presentUser } from '../members/present.js';
import { memberHandlersAs } from '../members/handlers.js';
import { findMember } from '../members/queries.js';
import { changeMember, type MemberPatch } from '../members/service.js';
import { notFound } from '../shared/not-found.js';
import { emailTaken, insertMemberUser } from './queries.js';

// Seed 001 "users": the organization's users. `/users/me` and the self rule act on the caller.
export const userHandlers: Record<string, Handler> = {
  ...memberHandlersAs('users', presentUser, 'user'),
  async 'users.me'(input) {
    const { identity } = userCallerOf(input);
    const row = await findMember(input.knex, identity.org, identity.sub);
    if (!row) throw notFound('user');
    return { data: presentUser(row) };
  },
  async 'users.me.update'(input) {
    const caller = userCallerOf(input);
    const row = await changeMember(input.runtime, caller, caller.identity.sub, input.body as MemberPatch, 'users.update');
    return { data: presentUser(row) };
  },
  async 'users.create'(input) {
    const caller = callerOf(input);
    const body = input.body as { email: string; name?: string; role: Role; password?: string; is_bot?: boolean };
    const passwordHash = body.password === undefined ? null : await hashPassword(body.password);
    const row = await input.knex.transaction(async (trx) => {
      if (await emailTaken(trx, body.email)) {
        throw new AppError('conflict', 'A user with this email already exists; invite them instead.', { details: { field: 'email' } });
      }
      const id = await insertMemberUser(trx, {
        organizationId: caller.identity.org, email: body.email, name: body.name ?? '', role: body.role, passwordHash, isBot: body.is_bot ?? false,
      });
      const { password: _password, ...changes } = body;
      await audit(trx, caller, { action: 'users.create', resourceType: 'user', resourceId: id, changes });
      return (await findMember(trx, caller.identity.org, id))!;
    });
    return { data: presentUser(row) };
  },
};
