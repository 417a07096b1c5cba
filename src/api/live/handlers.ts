import type { Knex } from 'knex';
import { eventStreamOperations } from '../../contract/operations/conversations.js';
import { needsParticipation } from '../../contract/permission.js';
import { readConversationEvents, readOrganizationEvents, type OutboxRow } from '../../db/outbox-reads.js';
import { callerOf, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { envelopeOf } from '../../domain/event-envelope.js';
import { takesPart } from '../shared/participation.js';
import { EVENT_STREAM_HEADERS, EventStream, resumePoint } from './event-stream.js';

const REPLAY_BATCH = 500;
/** Positions remembered per `/events` stream to send each event once. */
const REMEMBERED = 10_000;

// Live events (DESIGN.md "Real-time", issue 10): Server-Sent Events of what the one write path
// recorded, replayed from the outbox after `Last-Event-ID`, then live from the process's tail.
export const liveHandlers = implement(eventStreamOperations, {
  async conversation(input) {
    const { identity } = callerOf(input);
    const conversation = (await input.knex('conversations').where({ token: input.params.token, organization_id: identity.org }).first('id')) as { id: string } | undefined;
    if (!conversation) throw notFound('conversation');
    const stream = new EventStream();
    const follow = followConversation(input.knex, stream, conversation.id, resumePoint(input.headers['last-event-id'], input.query.after));
    // A user who takes part only as an added participant may be taken out while following: each
    // live event asks again, and the first one after the removal ends the stream instead. (A
    // visitor's stream ends with its revocation, at the gateway.)
    const recheck = identity.kind !== 'visitor' && needsParticipation(input.operation, identity);
    stream.onClose(input.events.subscribe(identity.org, (row) => {
      if (row.conversation_id !== conversation.id) return;
      if (!recheck) return follow(row);
      takesPart(input.knex, 'conversation', identity, input.params.token).then((still) => (still ? follow(row) : stream.close()), () => stream.close());
    }, () => stream.close()));
    await input.events.ready();
    follow(undefined);
    return { stream: stream.body, headers: EVENT_STREAM_HEADERS };
  },

  async organization(input) {
    const { identity } = callerOf(input);
    const stream = new EventStream();
    const sent = new Set<number>();
    const send = (row: OutboxRow) => {
      if (sent.has(row.position)) return;
      sent.add(row.position);
      if (sent.size > REMEMBERED) sent.delete(sent.values().next().value!);
      stream.send(row.position, envelopeOf(row));
    };
    // Listen first, then replay: an event committed in between arrives by one path or both.
    stream.onClose(input.events.subscribe(identity.org, send, () => stream.close()));
    await input.events.ready();
    // A new follower starts now; one that names where it stopped gets what it missed.
    const resuming = input.headers['last-event-id'] !== undefined || input.query.after !== undefined;
    let after = resumePoint(input.headers['last-event-id'], input.query.after);
    while (resuming) {
      const rows = await readOrganizationEvents(input.knex, identity.org, after, REPLAY_BATCH);
      rows.forEach(send);
      if (rows.length < REPLAY_BATCH || stream.isClosed) break;
      after = rows[rows.length - 1]!.position;
    }
    return { stream: stream.body, headers: EVENT_STREAM_HEADERS };
  },
});

/**
 * Sends a conversation's events in sequence order, each once. Sequence numbers are gapless and
 * committed in order (the conversation row is locked while one is taken), so the next live event
 * is sent as it comes, and anything else (the replay, an event that overtook another) is read
 * from the outbox after the last one sent. One read at a time; a wake-up during it reads again.
 */
function followConversation(knex: Knex, stream: EventStream, conversationId: string, start: number): (row: OutboxRow | undefined) => void {
  let last = start;
  let reading = false;
  let again = false;

  const catchUp = async () => {
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          const rows = await readConversationEvents(knex, conversationId, last, REPLAY_BATCH);
          for (const row of rows) {
            stream.send(row.seq!, envelopeOf(row));
            last = row.seq!;
          }
          if (rows.length < REPLAY_BATCH || stream.isClosed) break;
        }
      } while (again && !stream.isClosed);
    } catch {
      stream.close();
    } finally {
      reading = false;
    }
  };

  return (row) => {
    if (stream.isClosed) return;
    if (row && row.seq !== null && row.seq <= last) return;
    if (row && !reading && row.seq === last + 1) {
      stream.send(row.seq, envelopeOf(row));
      last = row.seq;
      return;
    }
    if (reading) again = true;
    else void catchUp();
  };
}
