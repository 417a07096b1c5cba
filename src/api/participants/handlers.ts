import type { Knex } from 'knex';
import { fieldRefused } from '../../contract/field-errors.js';
import { participantOperations } from '../../contract/operations/participants.js';
import { recordChange } from '../../domain/record-change.js';
import { AppError } from '../../shared/errors.js';
import { isActiveMember } from '../conversations/queries.js';
import { callerOf, deletedResult, implement, type Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { conversationIdOf, deleteParticipant, findParticipant, insertParticipant, listParticipants, type ParticipantRow } from './queries.js';

// Users added to a conversation (DESIGN.md "Conversations": the participant rule of seed 001's
// "guest" rows, api/shared/participation.ts). Agents and up manage them; every change goes
// through the one write path, recorded on the conversation.

const present = (row: ParticipantRow) => ({ ...row, added_at: row.added_at.toISOString() });

/** Runs `work` on the caller's conversation, locked, and records it as `action` on that conversation. */
async function onConversation<T>(knex: Knex, caller: Caller, token: string, action: string, userId: string, work: (trx: Knex, conversationId: string) => Promise<T>): Promise<T> {
  return knex.transaction(async (trx) => {
    const conversationId = await conversationIdOf(trx, caller.identity.org, token, true);
    if (!conversationId) throw notFound('conversation');
    const result = await work(trx, conversationId);
    await recordChange(trx, caller, { action, resourceType: 'conversation', resourceId: token, changes: { user_id: userId } });
    return result;
  });
}

export const participantHandlers = implement(participantOperations, {
  async list(input) {
    const conversationId = await conversationIdOf(input.knex, callerOf(input).identity.org, input.params.token);
    if (!conversationId) throw notFound('conversation');
    const page = await listParticipants(input.knex, conversationId, input.query);
    return { data: page.rows.map(present), next_cursor: page.nextCursor };
  },

  async add(input) {
    const caller = callerOf(input);
    const userId = input.body.user_id;
    const row = await onConversation(input.knex, caller, input.params.token, input.operation.name, userId, async (trx, conversationId) => {
      // A user of another organization, a disabled member and no user at all read the same.
      if (!(await isActiveMember(trx, caller.identity.org, userId))) throw fieldRefused('user_id', 'is not an active member of this organization');
      if (!(await insertParticipant(trx, conversationId, userId))) throw new AppError('conflict', 'This user takes part in the conversation already.');
      return (await findParticipant(trx, conversationId, userId))!;
    });
    return { data: present(row) };
  },

  async remove(input) {
    const { token, userId } = input.params;
    await onConversation(input.knex, callerOf(input), token, input.operation.name, userId, async (trx, conversationId) => {
      if (!(await deleteParticipant(trx, conversationId, userId))) throw notFound('participant');
    });
    return deletedResult(userId);
  },
});
