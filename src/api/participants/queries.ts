import type { Knex } from 'knex';
import type { z } from 'zod';
import type { participant } from '../../contract/operations/participants.js';
import { paginate, type Page, type PageRequest, type StoredRow } from '../shared/queries.js';

// The SQL of a conversation's participants: users of the conversation's organization, with their
// role there. Every query starts from a conversation found in the caller's organization.

export type ParticipantRow = StoredRow<z.output<typeof participant>>;

/** The conversation's id, locked for a write when `lock` (adds and removals of one conversation queue). */
export async function conversationIdOf(knex: Knex, organizationId: string, token: string, lock = false): Promise<string | undefined> {
  const query = knex('conversations').where({ organization_id: organizationId, token });
  if (lock) query.forUpdate();
  return ((await query.first('id')) as { id: string } | undefined)?.id;
}

function selectParticipants(knex: Knex, conversationId: string): Knex.QueryBuilder {
  return knex('conversation_participants as p')
    .join('conversations as c', 'c.id', 'p.conversation_id')
    .join('users as u', 'u.id', 'p.user_id')
    .join('memberships as m', function joinMembership() {
      this.on('m.user_id', '=', 'p.user_id').andOn('m.organization_id', '=', 'c.organization_id');
    })
    .where('p.conversation_id', conversationId)
    .select('p.user_id', 'u.name', 'u.email', 'm.role', 'p.added_at');
}

export function listParticipants(knex: Knex, conversationId: string, page: PageRequest): Promise<Page<ParticipantRow>> {
  return paginate<ParticipantRow>(knex, selectParticipants(knex, conversationId), page, { at: 'p.added_at', id: 'p.user_id' });
}

export async function findParticipant(knex: Knex, conversationId: string, userId: string): Promise<ParticipantRow | undefined> {
  return (await selectParticipants(knex, conversationId).where('p.user_id', userId).first()) as ParticipantRow | undefined;
}

/** False when the user takes part already. */
export async function insertParticipant(trx: Knex, conversationId: string, userId: string): Promise<boolean> {
  const rows = await trx('conversation_participants').insert({ conversation_id: conversationId, user_id: userId, added_at: trx.raw('clock_timestamp()') })
    .onConflict(['conversation_id', 'user_id']).ignore().returning('user_id');
  return rows.length === 1;
}

export async function deleteParticipant(trx: Knex, conversationId: string, userId: string): Promise<boolean> {
  // `returning` rather than the affected-row count, which PGlite does not report.
  const rows = await trx('conversation_participants').where({ conversation_id: conversationId, user_id: userId }).delete().returning('user_id');
  return rows.length === 1;
}
