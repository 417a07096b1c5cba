import type { Knex } from 'knex';
import { fieldRefused, validationFailed } from '../../contract/field-errors.js';
import { visitorToken } from '../../contract/schemas.js';
import { groupOfOrganization, isActiveMember, tagIdsByName } from '../conversations/queries.js';
import { contactOfOrganization, visitorIdByToken } from './queries.js';

// A ticket names other rows: each must belong to the caller's organization. Another
// organization's row is refused exactly like one that does not exist (`no such …`), so the answer
// never tells whether it exists elsewhere.

/** The requester columns for a contact id or a visitor token (null clears both). */
export async function requesterColumns(knex: Knex, org: string, ref: string | null): Promise<{ requester_contact_id: string | null; requester_visitor_id: string | null }> {
  if (ref === null) return { requester_contact_id: null, requester_visitor_id: null };
  if (visitorToken.safeParse(ref).success) {
    const visitorId = await visitorIdByToken(knex, org, ref);
    if (!visitorId) throw fieldRefused('requester', 'no such visitor');
    return { requester_contact_id: null, requester_visitor_id: visitorId };
  }
  if (!(await contactOfOrganization(knex, org, ref))) throw fieldRefused('requester', 'no such contact');
  return { requester_contact_id: ref, requester_visitor_id: null };
}

/** An assignee is an active member of the organization whose account is enabled. */
export async function checkAssignee(knex: Knex, org: string, userId: string | null): Promise<void> {
  if (userId !== null && !(await isActiveMember(knex, org, userId))) throw fieldRefused('assignee_id', 'is not an active member of this organization');
}

export async function checkGroup(knex: Knex, org: string, groupId: string | null): Promise<void> {
  if (groupId !== null && !(await groupOfOrganization(knex, org, groupId))) throw fieldRefused('group_id', 'no such organization group');
}

/** Tag ids for names of the organization's tags, each unknown name refused by its index. */
export async function tagIdsOf(knex: Knex, org: string, names: readonly string[]): Promise<string[]> {
  const unique = [...new Set(names)];
  const known = await tagIdsByName(knex, org, unique);
  const unknown = names.flatMap((name, index) => (known.has(name) ? [] : [{ field: `tags[${index}]`, message: 'no such tag' }]));
  if (unknown.length > 0) throw validationFailed(unknown);
  return unique.map((name) => known.get(name)!);
}
