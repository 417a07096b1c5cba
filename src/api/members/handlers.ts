import { memberOperations } from '../../contract/operations/members.js';
import { callerOf, deletedResult, implement, type HandlerOf } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import type { PageRequest } from '../shared/queries.js';
import type { Operation } from '../../contract/operation.js';
import type { idParams } from '../../contract/schemas.js';
import type { z } from 'zod';
import { presentMember } from './present.js';
import { findMember, listMembers, type MemberFilters, type MemberRow } from './queries.js';
import { changeMember, removeMember, type MemberPatch } from './service.js';

/** What `members.*` and `users.*` have in common, as the shared handlers below need it. */
interface MemberOperations<Data> {
  readonly list: Operation & { readonly list: true; readonly query: z.ZodType<MemberFilters & PageRequest>; readonly response: z.ZodType<Data> };
  readonly fetch: Operation & { readonly params: typeof idParams; readonly response: z.ZodType<Data> };
  readonly update: Operation & { readonly params: typeof idParams; readonly body: z.ZodType<MemberPatch>; readonly response: z.ZodType<Data> };
  readonly delete: Operation & { readonly params: typeof idParams };
}

/**
 * List, fetch, update and delete of the organization's members, under seed 000's `members.*`
 * (`{id}` is the member's user id) or seed 001's `users.*`: the same rows and rules, each name
 * with its own presentation and audit action.
 */
export function memberHandlersFor<Data>(
  group: MemberOperations<Data>,
  present: (row: MemberRow) => Data,
  noun: string,
): { [K in keyof MemberOperations<Data>]: HandlerOf<MemberOperations<Data>[K]> } {
  return {
    async list(input) {
      const { identity } = callerOf(input);
      const page = await listMembers(input.knex, identity.org, input.query, input.query);
      return { data: page.rows.map(present), next_cursor: page.nextCursor };
    },
    async fetch(input) {
      const { identity } = callerOf(input);
      const row = await findMember(input.knex, identity.org, input.params.id);
      if (!row) throw notFound(noun);
      return { data: present(row) };
    },
    async update(input) {
      const row = await changeMember(input.runtime, callerOf(input), input.params.id, input.body, group.update.name);
      return { data: present(row) };
    },
    async delete(input) {
      await removeMember(input.runtime, callerOf(input), input.params.id, group.delete.name);
      return deletedResult(input.params.id);
    },
  };
}

// Seed 000 "property members".
export const memberHandlers = implement(memberOperations, memberHandlersFor(memberOperations, presentMember, 'member'));
