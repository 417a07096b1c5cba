import type { Knex } from 'knex';
import type { z } from 'zod';
import type { conversationOperations } from '../../contract/operations/conversations.js';
import { fieldRefused, validationFailed } from '../../contract/field-errors.js';
import { recordChange, takeConversationSeqs } from '../../domain/record-change.js';
import { AppError } from '../../shared/errors.js';
import type { Caller } from '../handler.js';
import { postMessage } from '../messages/service.js';
import { notFound } from '../shared/not-found.js';
import { presentConversation, presentDetails, type ConversationData, type ConversationDetailsData } from './present.js';
import {
  deleteConversation, findConversation, groupOfOrganization, insertConversation, insertRating, isActiveMember, lockConversation,
  replaceConversationTags, tagIdsByName, updateConversationRow, type ConversationRow,
} from './queries.js';
import { findVisitor, type VisitorRow } from './visitor.js';
import { newPublicToken } from '../../contract/schemas.js';

type CreateBody = z.output<typeof conversationOperations.create.body>;
type UpdateBody = z.output<typeof conversationOperations.update.body>;
type RateBody = z.output<typeof conversationOperations.rate.body>;

/** Events carry tags labelled by name: a subscriber has no `Accept-Language`. */
const NO_LOCALES: readonly string[] = [];

async function reread(knex: Knex, organizationId: string, id: string): Promise<ConversationRow> {
  return (await findConversation(knex, organizationId, { id }))!;
}

/**
 * Starts a conversation (seed 002, DESIGN.md "Conversations"). A visitor session starts its own,
 * on its own widget (both from its visitor row, never from the body); an agent may name a visitor
 * of the organization by token, or none. `chat.started` is its first event; an optional first
 * message follows as its second.
 */
export async function createConversation(knex: Knex, caller: Caller, body: CreateBody, locales: readonly string[]): Promise<ConversationDetailsData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    let visitor: VisitorRow | undefined;
    if (caller.identity.kind === 'visitor') {
      visitor = await findVisitor(trx, org, { id: caller.identity.sub });
      if (!visitor) throw new AppError('invalid_auth', 'This visitor session no longer exists.');
      if (body.visitor_token !== undefined && body.visitor_token !== visitor.token) {
        throw fieldRefused('visitor_token', 'a visitor session starts conversations for itself only');
      }
    } else if (body.visitor_token !== undefined) {
      visitor = await findVisitor(trx, org, { token: body.visitor_token });
      if (!visitor) throw fieldRefused('visitor_token', 'no such visitor');
    }
    if (body.group_id !== undefined && !(await groupOfOrganization(trx, org, body.group_id))) throw fieldRefused('group_id', 'no such organization group');

    const token = newPublicToken('cnv');
    const { id } = await insertConversation(trx, {
      organization_id: org, token, widget_id: visitor?.widget_id ?? null, visitor_id: visitor?.id ?? null, group_id: body.group_id ?? null, subject: body.subject ?? null,
    });
    const seqs = await takeConversationSeqs(trx, id, 1);
    await recordChange(trx, caller, {
      action: 'conversations.create', resourceType: 'conversation', resourceId: token,
      changes: { visitor_token: visitor?.token ?? null, subject: body.subject ?? null, group_id: body.group_id ?? null },
      events: [{ type: 'chat.started', data: presentConversation(await reread(trx, org, id), NO_LOCALES) }],
      conversationId: id, seqs,
    });
    if (body.message) {
      await postMessage(trx, caller, { id, token, status: 'open', visitor_id: visitor?.id ?? null, first_response_at: null }, body.message, ['message']);
    }
    return presentDetails(trx, await reread(trx, org, id), locales);
  });
}

/**
 * Seed 001 "Update conversation" (admin). References are checked in the organization and refused
 * by field name; `tags` replaces the set. Closing needs an `end_reason`, stamps `ended_at` and
 * records `chat.ended`; another status reopens a closed conversation and clears both.
 */
export async function updateConversation(knex: Knex, caller: Caller, token: string, body: UpdateBody, locales: readonly string[]): Promise<ConversationDetailsData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const current = await lockConversation(trx, org, token);
    if (!current) throw notFound('conversation');
    const values: Record<string, unknown> = {};

    if (body.assignee_id !== undefined) {
      if (body.assignee_id !== null && !(await isActiveMember(trx, org, body.assignee_id))) throw fieldRefused('assignee_id', 'is not an active member of this organization');
      values.assignee_id = body.assignee_id;
    }
    if (body.group_id !== undefined) {
      if (body.group_id !== null && !(await groupOfOrganization(trx, org, body.group_id))) throw fieldRefused('group_id', 'no such organization group');
      values.group_id = body.group_id;
    }
    if (body.subject !== undefined) values.subject = body.subject;
    if (body.summary !== undefined) values.summary = body.summary;

    const closedAfter = body.status !== undefined ? body.status === 'closed' : current.status === 'closed';
    const closing = closedAfter && current.status !== 'closed';
    if (body.end_reason !== undefined && !closedAfter) throw fieldRefused('end_reason', 'is set only on a closed conversation (status: closed)');
    if (closing && body.end_reason === undefined) throw fieldRefused('end_reason', 'is required to close a conversation');
    if (body.status !== undefined) values.status = body.status;
    if (closing) values.ended_at = trx.fn.now();
    if (body.end_reason !== undefined) values.end_reason = body.end_reason;
    if (!closedAfter && current.status === 'closed') Object.assign(values, { ended_at: null, end_reason: null });

    let tagIds: string[] | undefined;
    if (body.tags !== undefined) {
      const names = [...new Set(body.tags)];
      const known = await tagIdsByName(trx, org, names);
      const unknown = body.tags.flatMap((name, index) => (known.has(name) ? [] : [{ field: `tags[${index}]`, message: 'no such tag' }]));
      if (unknown.length > 0) throw validationFailed(unknown);
      tagIds = names.map((name) => known.get(name)!);
    }

    const seqs = closing ? await takeConversationSeqs(trx, current.id, 1) : [];
    await updateConversationRow(trx, current.id, values);
    if (tagIds) await replaceConversationTags(trx, current.id, tagIds);
    const row = await reread(trx, org, current.id);
    await recordChange(trx, caller, {
      action: 'conversations.update', resourceType: 'conversation', resourceId: token, changes: { ...body },
      events: closing ? [{ type: 'chat.ended', data: presentConversation(row, NO_LOCALES) }] : [],
      conversationId: current.id, seqs,
    });
    return presentDetails(trx, row, locales);
  });
}

/** Seed 002 "Rate a conversation": a new rating overwrites the current one, the old stay in history. */
export async function rateConversation(knex: Knex, caller: Caller, token: string, body: RateBody, locales: readonly string[]): Promise<ConversationData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const current = await lockConversation(trx, org, token);
    if (!current) throw notFound('conversation');
    const seqs = await takeConversationSeqs(trx, current.id, 1);
    await insertRating(trx, current.id, body.score, body.comment ?? null);
    const row = await reread(trx, org, current.id);
    await recordChange(trx, caller, {
      action: 'conversations.rate', resourceType: 'conversation', resourceId: token, changes: { ...body },
      events: [{ type: 'chat.rated', data: presentConversation(row, NO_LOCALES) }], conversationId: current.id, seqs,
    });
    return presentConversation(row, locales);
  });
}

/** Seed 001 "Delete other resource" (admin): the conversation with its messages, tags and ratings. */
export async function removeConversation(knex: Knex, caller: Caller, token: string): Promise<void> {
  await knex.transaction(async (trx) => {
    if (!(await deleteConversation(trx, caller.identity.org, token))) throw notFound('conversation');
    await recordChange(trx, caller, { action: 'conversations.delete', resourceType: 'conversation', resourceId: token });
  });
}
