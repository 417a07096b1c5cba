import type { Knex } from 'knex';
import type { EventType } from '../../contract/events.js';
import { plainTextOf, type MessageContent } from '../../contract/message-content.js';
import { fieldPath, fieldRefused } from '../../contract/field-errors.js';
import { recordChange, takeConversationSeqs } from '../../domain/record-change.js';
import { AppError } from '../../shared/errors.js';
import type { LockedConversation } from '../conversations/queries.js';
import { updateConversationRow } from '../conversations/queries.js';
import type { Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { authorOf } from './author.js';
import { checkWebviewHosts, chosenElement } from './content-rules.js';
import { presentMessage, type MessageData } from './present.js';
import { editMessage, eraseMessage, findByClientMessageId, findInConversation, findMessage, hasVisitorMessage, insertMessage, webviewHostsOf } from './queries.js';

export interface NewMessage {
  content?: MessageContent | undefined;
  postback?: { message_id: string; element_id: string } | undefined;
  client_message_id?: string | undefined;
}

export interface Posted {
  message: MessageData;
  /** The answer is the message an earlier send with the same `client_message_id` posted. */
  replayed: boolean;
}

/**
 * Posts a message to a conversation locked by the caller's transaction (DESIGN.md "Messages").
 * `at` prefixes the JSON paths of refusals (`message` when it comes with a new conversation).
 * - A `client_message_id` already used in the conversation answers that message and posts
 *   nothing: a retried send is idempotent (checked before anything else, so a retry after the
 *   conversation closed still gets its message). The row lock queues concurrent retries.
 * - A closed conversation takes no new message: 409 `conflict` (LiveChat's rule; the visitor
 *   starts a new conversation, an admin may reopen this one).
 * - A postback names an element of a message of the same conversation; its text is the
 *   element's title, stored as text content.
 * - It takes the conversation's next sequence number (two with a postback: `message.created`
 *   then `message.postback`) and stores the first; `last_message_at` follows, and the first
 *   answer after a visitor's message sets `first_response_at`.
 */
export async function postMessage(trx: Knex, caller: Caller, conversation: LockedConversation, input: NewMessage, at: readonly string[] = []): Promise<Posted> {
  const org = caller.identity.org;
  if (input.client_message_id !== undefined) {
    const earlier = await findByClientMessageId(trx, conversation.id, input.client_message_id);
    if (earlier) return { message: presentMessage((await findMessage(trx, org, earlier))!), replayed: true };
  }
  if (conversation.status === 'closed') {
    throw new AppError('conflict', 'This conversation is closed; start a new one.');
  }

  let content: MessageContent;
  let element: ReturnType<typeof chosenElement>;
  if (input.postback) {
    const source = await findInConversation(trx, conversation.id, input.postback.message_id);
    if (!source) throw fieldRefused(fieldPath([...at, 'postback', 'message_id']), 'is not a message of this conversation');
    element = chosenElement(source.content, input.postback.element_id);
    if (!element) throw fieldRefused(fieldPath([...at, 'postback', 'element_id']), 'is not a button, reply, option or card of that message');
    content = { type: 'text', text: element.title };
  } else if (input.content) {
    content = input.content;
    checkWebviewHosts(content, await webviewHostsOf(trx, org), [...at, 'content']);
  } else {
    // The schema's refinement makes this unreachable; a clear refusal beats a crash.
    throw fieldRefused(fieldPath([...at, 'content']), 'is required');
  }

  const author = await authorOf(trx, caller.identity);
  const seqs = await takeConversationSeqs(trx, conversation.id, input.postback ? 2 : 1);
  const id = await insertMessage(trx, {
    organization_id: org,
    conversation_id: conversation.id,
    seq: seqs[0]!,
    author_type: author.type,
    author_id: author.id,
    content,
    text: plainTextOf(content),
    postback: input.postback ?? null,
    client_message_id: input.client_message_id ?? null,
  });
  const touched: Record<string, unknown> = { last_message_at: trx.fn.now() };
  if (author.type !== 'visitor' && conversation.first_response_at === null && (await hasVisitorMessage(trx, conversation.id))) {
    touched.first_response_at = trx.fn.now();
  }
  await updateConversationRow(trx, conversation.id, touched);

  const message = presentMessage((await findMessage(trx, org, id))!);
  const events: { type: EventType; data: Record<string, unknown> }[] = [{ type: 'message.created', data: message }];
  if (element) events.push({ type: 'message.postback' as const, data: { ...message, element } });
  await recordChange(trx, caller, {
    action: 'messages.create', resourceType: 'message', resourceId: id,
    changes: { conversation_token: conversation.token, content_type: content.type, postback: input.postback ?? null, client_message_id: input.client_message_id ?? null },
    events, conversationId: conversation.id, seqs,
  });
  return { message, replayed: false };
}

/** Seed 001 "Update message" (bot and up): its author, or an admin; a deleted message stays deleted. */
export async function updateMessage(knex: Knex, caller: Caller, id: string, content: MessageContent): Promise<MessageData> {
  const org = caller.identity.org;
  return knex.transaction(async (trx) => {
    const row = await findMessage(trx, org, id);
    if (!row) throw notFound('message');
    const own = row.author_type !== 'visitor' && row.author_id === caller.identity.sub;
    if (!own && caller.identity.role !== 'admin') throw new AppError('forbidden', 'Only its author or an admin may edit a message.');
    if (row.deleted_at !== null) throw new AppError('conflict', 'This message was deleted.');
    checkWebviewHosts(content, await webviewHostsOf(trx, org), ['content']);
    await editMessage(trx, id, content, plainTextOf(content));
    await recordChange(trx, caller, { action: 'messages.update', resourceType: 'message', resourceId: id, changes: { content_type: content.type } });
    return presentMessage((await findMessage(trx, org, id))!);
  });
}

/** Seed 001 "Delete other resource" (admin): a tombstone keeps the message's place in the history. */
export async function deleteMessage(knex: Knex, caller: Caller, id: string): Promise<void> {
  await knex.transaction(async (trx) => {
    const row = await findMessage(trx, caller.identity.org, id);
    if (!row || row.deleted_at !== null) throw notFound('message');
    await eraseMessage(trx, id);
    await recordChange(trx, caller, { action: 'messages.delete', resourceType: 'message', resourceId: id });
  });
}
