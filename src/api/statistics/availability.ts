import type { Knex } from 'knex';
import type { AVAILABILITIES } from '../../contract/operations/statistics.js';
import { recordChange } from '../../domain/record-change.js';
import type { Caller } from '../handler.js';
import { presentMember } from '../members/present.js';
import { findMember } from '../members/queries.js';
import { notFound } from '../shared/not-found.js';

type Availability = (typeof AVAILABILITIES)[number];

/**
 * Sets the caller's presence in its organization and stamps `last_seen_at`. The same call is the
 * console's heartbeat, so only a change of availability is a change worth an audit row; a
 * heartbeat just moves the time. Answers the member, as `members.fetch` shows it.
 */
export async function setAvailability(knex: Knex, caller: Caller, availability: Availability, now: Date) {
  const { sub: userId, org } = caller.identity;
  return knex.transaction(async (trx) => {
    const current = (await trx('memberships').where({ organization_id: org, user_id: userId }).forUpdate().first('availability')) as { availability: Availability } | undefined;
    if (!current) throw notFound('member');
    await trx('memberships').where({ organization_id: org, user_id: userId }).update({ availability, last_seen_at: now });
    if (current.availability !== availability) {
      await recordChange(trx, caller, { action: 'users.updateAvailability', resourceType: 'membership', resourceId: userId, changes: { availability } });
    }
    return presentMember((await findMember(trx, org, userId))!);
  });
}
