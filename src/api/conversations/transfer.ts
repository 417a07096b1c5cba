import type { Knex } from 'knex';
import type { z } from 'zod';
import type { conversationOperations } from '../../contract/operations/conversations.js';
import { fieldRefused } from '../../contract/field-errors.js';
import { recordChange } from '../../domain/record-change.js';
import { AppError } from '../../shared/errors.js';
import type { Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { presentDetails, type ConversationDetailsData } from './present.js';
import { activeMemberFacts, currentHandler, findConversation, groupOfOrganization, lockConversation, updateConversationRow } from './queries.js';

type TransferBody = z.output<typeof conversationOperations.transfer.body>;

/** The roles of a person who answers chats (the cascade from agent up); a bot user is not one. */
const ANSWERING_ROLES: readonly string[] = ['agent', 'bot', 'admin'];

/**
 * Hands a conversation over to a person and/or a group (LiveChat's `transfer_chat`): the narrow
 * assignment agents and bots may make, where `PATCH` (any field) stays an admin's. A group alone
 * unassigns, so the group's agents pick it up from `assignee_id=none`; a person alone keeps the
 * group. Like an assignment through `PATCH`, it emits no event: the audit row records who moved
 * it from whom to whom.
 */
export async function transferConversation(knex: Knex, caller: Caller, token: string, body: TransferBody, locales: readonly string[]): Promise<ConversationDetailsData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const current = await lockConversation(trx, org, token);
    if (!current) throw notFound('conversation');
    if (current.status === 'closed') throw new AppError('conflict', 'This conversation is closed; a closed conversation cannot be transferred.');

    if (body.assignee_id !== undefined) {
      const member = await activeMemberFacts(trx, org, body.assignee_id);
      if (!member) throw fieldRefused('assignee_id', 'is not an active member of this organization');
      if (!ANSWERING_ROLES.includes(member.role) || member.is_bot) throw fieldRefused('assignee_id', 'must be a person who answers chats (role agent or above, not a bot)');
    }
    if (body.group_id !== undefined && !(await groupOfOrganization(trx, org, body.group_id))) throw fieldRefused('group_id', 'no such organization group');

    const before = await currentHandler(trx, current.id);
    const after = { assignee_id: body.assignee_id ?? null, group_id: body.group_id ?? before.group_id };
    await updateConversationRow(trx, current.id, after);
    await recordChange(trx, caller, {
      action: 'conversations.transfer', resourceType: 'conversation', resourceId: token,
      changes: { ...after, from: before }, conversationId: current.id,
    });
    return presentDetails(trx, (await findConversation(trx, org, { id: current.id }))!, locales);
  });
}
