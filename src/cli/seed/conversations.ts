import type { Knex } from 'knex';
import { contentFor, SUBJECTS } from './content.js';
import type { Cast } from './people.js';
import { insertRows, type Random } from './random.js';

// Conversations with their messages, tags and ratings, written a batch at a time so a million
// messages never sit in memory at once. Each conversation is consistent the way the API would
// have left it: `first_response_at` is the first agent or bot message after the visitor's first,
// an agent or bot message after visitor messages has its reply time from the first of them,
// `last_message_at` is the last message, a closed one has `ended_at` and an `end_reason`.

export const HISTORY_DAYS = 90;
const BATCH = 1_000;
const DAY = 86_400_000;

type Author = 'visitor' | 'agent' | 'bot';

function authorsOf(random: Random, count: number, missed: boolean, withBot: boolean): Author[] {
  const authors: Author[] = [];
  for (let n = 0; n < count; n++) {
    const previous = authors[n - 1];
    if (n === 0 || missed) authors.push('visitor');
    else if (n === 1 && withBot) authors.push('bot');
    else if (previous === 'visitor') authors.push(random.chance(0.7) ? 'agent' : 'visitor');
    else authors.push(random.chance(0.65) ? 'visitor' : 'agent');
  }
  return authors;
}

function statusOf(random: Random, ageMs: number): 'open' | 'pending' | 'snoozed' | 'closed' {
  const roll = random.next();
  if (ageMs < DAY) return roll < 0.45 ? 'open' : roll < 0.6 ? 'pending' : roll < 0.65 ? 'snoozed' : 'closed';
  return roll < 0.01 ? 'snoozed' : roll < 0.015 ? 'pending' : 'closed';
}

/** Writes `count` conversations of `cast`'s organization; returns their ids (tickets link to some). */
export async function generateConversations(knex: Knex, random: Random, cast: Cast, count: number, messagesEach: number, end: Date): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += BATCH) {
    const conversations: Record<string, unknown>[] = [];
    const messages: Record<string, unknown>[] = [];
    const ratings: Record<string, unknown>[] = [];
    const tags: Record<string, unknown>[] = [];
    for (let n = done; n < Math.min(count, done + BATCH); n++) {
      const id = random.uuid();
      ids.push(id);
      // Every message lands before `end` (at most 245 s apart).
      const started = end.getTime() - messagesEach * 245_000 - Math.floor(random.next() * HISTORY_DAYS * DAY);
      const visitor = cast.visitors[n % cast.visitors.length]!;
      const groupIndex = random.chance(0.8) ? random.int(0, cast.groups.length - 1) : -1;
      const assignee = random.chance(0.9) ? random.pick(groupIndex >= 0 ? cast.groupAgents[groupIndex]! : cast.agents) : null;
      const missed = random.chance(0.08);
      const authors = authorsOf(random, messagesEach, missed, !missed && random.chance(0.15));
      let at = started;
      let firstVisitor: number | null = null;
      let firstResponse: number | null = null;
      let waitingSince: number | null = null;
      for (const [seq, author] of authors.entries()) {
        at += seq === 0 ? random.int(0, 5) * 1000 : (author === 'visitor' ? random.int(5, 180) : random.int(4, 240)) * 1000;
        if (author === 'visitor' && firstVisitor === null) firstVisitor = at;
        if (author !== 'visitor' && firstVisitor !== null && firstResponse === null) firstResponse = at;
        if (author === 'visitor') waitingSince ??= at;
        const replySeconds = author === 'visitor' || waitingSince === null ? null : (at - waitingSince) / 1000;
        if (author !== 'visitor') waitingSince = null;
        const authorId = author === 'agent' ? (assignee ?? random.pick(cast.agents)) : author === 'bot' ? cast.botId : visitor.id;
        messages.push({
          id: random.uuid(), organization_id: cast.organizationId, conversation_id: id, seq: seq + 1, author_type: author, author_id: authorId,
          ...contentFor(random, author), created_at: new Date(at), reply_seconds: replySeconds,
        });
      }
      const status = at > end.getTime() ? 'open' : statusOf(random, end.getTime() - started);
      const endedAt = status === 'closed' ? Math.min(end.getTime(), at + random.int(30, 900) * 1000) : null;
      conversations.push({
        id, organization_id: cast.organizationId, token: random.token('cnv'), widget_id: visitor.widgetId, visitor_id: visitor.id, assignee_id: assignee,
        group_id: groupIndex >= 0 ? cast.groups[groupIndex] : null, status, subject: random.pick(SUBJECTS), started_at: new Date(started),
        first_response_at: firstResponse === null ? null : new Date(firstResponse), last_message_at: authors.length > 0 ? new Date(at) : null,
        ended_at: endedAt === null ? null : new Date(endedAt),
        end_reason: endedAt === null ? null : missed ? random.pick(['visitor_left', 'inactive']) : random.pick(['resolved', 'resolved', 'resolved', 'agent_closed', 'visitor_left', 'inactive']),
        last_event_seq: authors.length, created_at: new Date(started), updated_at: new Date(endedAt ?? at),
      });
      if (endedAt !== null && !missed && random.chance(0.35)) {
        const times = random.chance(0.05) ? 2 : 1;
        for (let r = 0; r < times; r++) {
          ratings.push({ id: random.uuid(), conversation_id: id, score: random.pick([5, 5, 5, 4, 4, 3, 2, 1]), comment: random.chance(0.3) ? 'Thanks!' : null, rated_at: new Date(endedAt + (r + 1) * 60_000) });
        }
      }
      if (random.chance(0.4)) {
        const first = random.int(0, cast.tags.length - 1);
        tags.push({ conversation_id: id, tag_id: cast.tags[first] });
        if (random.chance(0.25)) tags.push({ conversation_id: id, tag_id: cast.tags[(first + 1) % cast.tags.length] });
      }
    }
    await insertRows(knex, 'conversations', conversations);
    await insertRows(knex, 'messages', messages);
    await insertRows(knex, 'conversation_ratings', ratings);
    await insertRows(knex, 'conversation_tags', tags);
  }
  return ids;
}
