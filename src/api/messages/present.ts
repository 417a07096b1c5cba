import type { z } from 'zod';
import type { message } from '../../contract/operations/messages.js';
import { iso } from '../shared/crud.js';
import type { MessageRow } from './queries.js';

export type MessageData = z.output<typeof message>;

export function presentMessage(row: MessageRow): MessageData {
  return {
    id: row.id,
    conversation_token: row.conversation_token,
    seq: Number(row.seq),
    author: { type: row.author_type, id: row.author_public_id, name: row.author_name },
    content: row.content,
    text: row.text,
    postback: row.postback,
    client_message_id: row.client_message_id,
    created_at: row.created_at.toISOString(),
    edited_at: iso(row.edited_at),
    deleted_at: iso(row.deleted_at),
  };
}
