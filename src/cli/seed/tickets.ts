import type { Knex } from 'knex';
import type { Cast } from './people.js';
import { insertRows, type Random } from './random.js';

// Tickets with a history that follows DESIGN.md's rules: never back to `new`, solved only with an
// assignee, closed only after solved (four days later, as the auto-close step would). Each has
// the requester's first message, replies and notes, and one event row per change.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BATCH = 1_000;
const AUTO_CLOSE_MS = 4 * DAY;
const TICKET_SUBJECTS = ['Invoice is wrong', 'Parcel never arrived', 'Cannot log in', 'Refund request', 'Feature request: dark mode', 'App crashes on start'];

type Status = 'new' | 'open' | 'pending' | 'on_hold' | 'solved' | 'closed';

function finalStatus(random: Random, ageMs: number): Status {
  const roll = random.next();
  if (ageMs < 2 * DAY) return roll < 0.3 ? 'new' : roll < 0.7 ? 'open' : roll < 0.9 ? 'pending' : 'on_hold';
  return roll < 0.55 ? 'solved' : roll < 0.75 ? 'open' : roll < 0.9 ? 'pending' : 'on_hold';
}

export async function generateTickets(knex: Knex, random: Random, cast: Cast, count: number, conversations: readonly string[], end: Date): Promise<void> {
  const now = end.getTime();
  for (let done = 0; done < count; done += BATCH) {
    const tickets: Record<string, unknown>[] = [];
    const messages: Record<string, unknown>[] = [];
    const events: Record<string, unknown>[] = [];
    const tags: Record<string, unknown>[] = [];
    for (let n = done; n < Math.min(count, done + BATCH); n++) {
      const id = random.uuid();
      const created = now - Math.floor(random.next() * 90 * DAY);
      const groupIndex = random.chance(0.85) ? random.int(0, cast.groups.length - 1) : -1;
      let status = finalStatus(random, now - created);
      const assignee = status === 'new' ? null : random.pick(groupIndex >= 0 ? cast.groupAgents[groupIndex]! : cast.agents);
      const opened = Math.min(now, created + random.int(5, 240) * 60_000);
      const solved = status === 'solved' ? Math.min(now, opened + random.int(1, 72) * HOUR) : null;
      let closed: number | null = null;
      if (solved !== null && solved + AUTO_CLOSE_MS <= now) {
        status = 'closed';
        closed = solved + AUTO_CLOSE_MS;
      }
      const requester = random.pick(cast.visitors).id;
      const last = closed ?? solved ?? (status === 'new' ? created : opened);
      tickets.push({
        id, organization_id: cast.organizationId, number: n + 1, subject: random.pick(TICKET_SUBJECTS), status,
        priority: random.pick(['low', 'normal', 'normal', 'normal', 'high', 'urgent']), requester_visitor_id: requester, assignee_id: assignee,
        group_id: groupIndex >= 0 ? cast.groups[groupIndex] : null, source_conversation_id: random.chance(0.3) && conversations.length > 0 ? random.pick(conversations) : null,
        solved_at: solved === null ? null : new Date(solved), closed_at: closed === null ? null : new Date(closed), created_at: new Date(created), updated_at: new Date(last),
      });
      const event = (type: string, at: number, actor: [string, string], changes: unknown) =>
        events.push({ id: random.uuid(), organization_id: cast.organizationId, ticket_id: id, type, actor_type: actor[0], actor_id: actor[1], changes: changes === null ? null : JSON.stringify(changes), created_at: new Date(at) });
      const message = (at: number, author: [string, string], text: string, isPublic = true) =>
        messages.push({ id: random.uuid(), organization_id: cast.organizationId, ticket_id: id, author_type: author[0], author_id: author[1], text, public: isPublic, created_at: new Date(at) });
      message(created, ['visitor', requester], 'Hello, I need help with this, please.');
      event('created', created, ['visitor', requester], null);
      if (assignee !== null) {
        const agent: [string, string] = ['user', assignee];
        event('status_changed', opened, agent, { status: { from: 'new', to: 'open' } });
        message(opened, agent, 'Thanks for reaching out, I am on it.');
        if (random.chance(0.2)) message(opened + 60_000, agent, 'Checked with billing: refund approved.', false);
        if (status === 'pending' || status === 'on_hold') event('status_changed', opened + 120_000, agent, { status: { from: 'open', to: status } });
        if (solved !== null) event('status_changed', solved, agent, { status: { from: 'open', to: 'solved' } });
        if (closed !== null) event('status_changed', closed, ['system', 'auto-close'], { status: { from: 'solved', to: 'closed' } });
      }
      if (random.chance(0.3)) tags.push({ ticket_id: id, tag_id: random.pick(cast.tags) });
    }
    await insertRows(knex, 'tickets', tickets);
    await insertRows(knex, 'ticket_messages', messages);
    await insertRows(knex, 'ticket_events', events);
    await insertRows(knex, 'ticket_tags', tags);
  }
  await knex('organizations').where({ id: cast.organizationId }).update({ next_ticket_number: count + 1 });
}
