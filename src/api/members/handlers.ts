import { callerOf, type Handler } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import type { PageRequest } from '../shared/queries.js';
import { presentMember } from './present.js';
import { findMember, listMembers, type MemberFilters } from './queries.js';
import { changeMember, removeMember, type MemberPatch } from './service.js';

// Seed 000 "property members". `{id}` is the member's user id.
export const memberHandlers: Record<string, Handler> = {
  async 'members.list'(input) {
    const { identity } = callerOf(input);
    const page = await listMembers(input.knex, identity.org, input.query as MemberFilters, input.query as unknown as PageRequest);
    return { data: page.rows.map(presentMember), next_cursor: page.nextCursor };
  },
  async 'members.fetch'(input) {
    const { identity } = callerOf(input);
    const row = await findMember(input.knex, identity.org, input.params.id as string);
    if (!row) throw notFound('member');
    return { data: presentMember(row) };
  },
  async 'members.update'(input) {
    const row = await changeMember(input.runtime, callerOf(input), input.params.id as string, input.body as MemberPatch, 'members.update');
    return { data: presentMember(row) };
  },
  async 'members.delete'(input) {
    await removeMember(input.runtime, callerOf(input), input.params.id as string, 'members.delete');
    return { data: { id: input.params.id, deleted: true } };
  },
};
