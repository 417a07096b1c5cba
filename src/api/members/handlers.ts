import { callerOf, type Handler } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import type { PageRequest } from '../shared/queries.js';
import { presentMember } from './present.js';
import { findMember, listMembers, type MemberFilters, type MemberRow } from './queries.js';
import { changeMember, removeMember, type MemberPatch } from './service.js';

/**
 * List, fetch, update and delete of the organization's members, under seed 000's `members.*`
 * (`{id}` is the member's user id) or seed 001's `users.*`: the same rows and rules, each name
 * with its own presentation and audit action.
 */
export function memberHandlersAs(prefix: 'members' | 'users', present: (row: MemberRow) => unknown, noun: string): Record<string, Handler> {
  return {
    async [`${prefix}.list`](input) {
      const { identity } = callerOf(input);
      const page = await listMembers(input.knex, identity.org, input.query as MemberFilters, input.query as unknown as PageRequest);
      return { data: page.rows.map(present), next_cursor: page.nextCursor };
    },
    async [`${prefix}.fetch`](input) {
      const { identity } = callerOf(input);
      const row = await findMember(input.knex, identity.org, input.params.id as string);
      if (!row) throw notFound(noun);
      return { data: present(row) };
    },
    async [`${prefix}.update`](input) {
      const row = await changeMember(input.runtime, callerOf(input), input.params.id as string, input.body as MemberPatch, `${prefix}.update`);
      return { data: present(row) };
    },
    async [`${prefix}.delete`](input) {
      await removeMember(input.runtime, callerOf(input), input.params.id as string, `${prefix}.delete`);
      return { data: { id: input.params.id, deleted: true } };
    },
  };
}

// Seed 000 "property members".
export const memberHandlers = memberHandlersAs('members', presentMember, 'member');
