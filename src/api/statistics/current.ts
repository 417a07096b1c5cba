import type { Knex } from 'knex';
import type { z } from 'zod';
import type { currentStatistics } from '../../contract/operations/statistics.js';
import { numberOf, Sql } from './sql.js';

// Live statistics (seed 002 `/statistics/current`): four statements whatever the size of the
// organization: the live conversations grouped three ways at once, today's counts, the agents
// with their presence and groups, and the groups' names.

/** How recently an `online` agent must have been seen (a heartbeat) to count as online. */
export const ONLINE_WITHIN_MS = 5 * 60_000;

type Current = z.infer<typeof currentStatistics>;
type LiveCounts = Pick<Current, 'open' | 'pending' | 'unassigned' | 'waiting' | 'longest_wait_s'>;

interface LiveRow {
  group_id: string | null;
  assignee_id: string | null;
  by_group: number | string;
  by_assignee: number | string;
  open: number | string;
  pending: number | string;
  unassigned: number | string;
  waiting: number | string;
  waiting_since: Date | string | null;
}

/**
 * Open and pending conversations; a visitor waits from their first message until the first
 * agent or bot response (`first_response_at`), so only open conversations without one look up
 * that message.
 */
async function liveConversations(knex: Knex, organizationId: string): Promise<LiveRow[]> {
  return new Sql().add(`with live as (
      select c.group_id, c.assignee_id, c.status,
        case when c.status = 'open' and c.first_response_at is null
          then (select min(m.created_at) from messages m where m.conversation_id = c.id and m.author_type = 'visitor') end as waiting_since
      from conversations c where c.organization_id = ? and c.status in ('open', 'pending')
    )
    select group_id, assignee_id, grouping(group_id) as by_group, grouping(assignee_id) as by_assignee,
      count(*) filter (where status = 'open') as open, count(*) filter (where status = 'pending') as pending,
      count(*) filter (where assignee_id is null) as unassigned, count(waiting_since) as waiting, min(waiting_since) as waiting_since
    from live group by grouping sets ((), (group_id), (assignee_id))`, organizationId).rows<LiveRow>(knex);
}

interface TodayRow {
  since: Date | string;
  chats_started: number | string;
  chats_ended: number | string;
  messages: number | string;
  tickets_created: number | string;
  tickets_solved: number | string;
}

async function today(knex: Knex, organizationId: string, now: string, tz: string): Promise<TodayRow> {
  const [row] = await new Sql().add(`with day as (select timezone(?::text, date_trunc('day', timezone(?::text, ?::timestamptz))) as since)
    select day.since,
      (select count(*) from conversations where organization_id = ? and started_at >= day.since) as chats_started,
      (select count(*) from conversations where organization_id = ? and ended_at >= day.since) as chats_ended,
      (select count(*) from messages where organization_id = ? and created_at >= day.since) as messages,
      (select count(*) from tickets where organization_id = ? and created_at >= day.since) as tickets_created,
      (select count(*) from tickets where organization_id = ? and solved_at >= day.since) as tickets_solved
    from day`, tz, tz, now, organizationId, organizationId, organizationId, organizationId, organizationId).rows<TodayRow>(knex);
  return row!;
}

interface AgentRow {
  id: string;
  name: string;
  availability: 'online' | 'away' | 'offline';
  online: boolean;
  groups: string[];
}

/** The organization's people who chat: enabled members from agent up, bot accounts aside. */
async function agents(knex: Knex, organizationId: string, now: string): Promise<AgentRow[]> {
  return new Sql().add(`select u.id, u.name, m.availability,
      (m.availability = 'online' and m.last_seen_at >= ?::timestamptz - ? * interval '1 millisecond') as online,
      coalesce((select json_agg(gm.group_id order by gm.group_id) from organization_group_members gm
        where gm.organization_id = m.organization_id and gm.user_id = m.user_id), '[]'::json) as groups
    from memberships m join users u on u.id = m.user_id
    where m.organization_id = ? and m.role in ('agent', 'bot', 'admin') and not u.is_bot and m.disabled_at is null and u.disabled_at is null
    order by u.name, u.id`, now, ONLINE_WITHIN_MS, organizationId).rows<AgentRow>(knex);
}

function countsOf(row: LiveRow | undefined, nowMs: number): LiveCounts {
  const since = row?.waiting_since ? new Date(row.waiting_since).getTime() : null;
  return {
    open: numberOf(row?.open), pending: numberOf(row?.pending), unassigned: numberOf(row?.unassigned), waiting: numberOf(row?.waiting),
    longest_wait_s: since === null ? null : Math.max(0, Math.floor((nowMs - since) / 1000)),
  };
}

export async function currentStatisticsOf(knex: Knex, organizationId: string, nowMs: number, tz: string): Promise<Current> {
  const now = new Date(nowMs).toISOString();
  const live = await liveConversations(knex, organizationId);
  const day = await today(knex, organizationId, now, tz);
  const people = await agents(knex, organizationId, now);
  const groups = (await knex('organization_groups').where('organization_id', organizationId)
    .orderBy([{ column: 'name' }, { column: 'id' }]).select('id', 'name')) as { id: string; name: string }[];

  const overall = live.find((row) => numberOf(row.by_group) === 1 && numberOf(row.by_assignee) === 1);
  const byGroup = new Map(live.filter((row) => numberOf(row.by_group) === 0 && row.group_id !== null).map((row) => [row.group_id!, row]));
  const byAssignee = new Map(live.filter((row) => numberOf(row.by_assignee) === 0 && row.assignee_id !== null).map((row) => [row.assignee_id!, row]));
  return {
    ...countsOf(overall, nowMs),
    agents_online: people.filter((person) => person.online).length,
    today: {
      tz, since: new Date(day.since).toISOString(),
      chats_started: numberOf(day.chats_started), chats_ended: numberOf(day.chats_ended), messages: numberOf(day.messages),
      tickets_created: numberOf(day.tickets_created), tickets_solved: numberOf(day.tickets_solved),
    },
    groups: groups.map((group) => ({
      id: group.id, name: group.name, ...countsOf(byGroup.get(group.id), nowMs),
      agents_online: people.filter((person) => person.online && person.groups.includes(group.id)).length,
    })),
    agents: people.map((person) => ({
      id: person.id, name: person.name, availability: person.availability, online: person.online,
      open: numberOf(byAssignee.get(person.id)?.open), pending: numberOf(byAssignee.get(person.id)?.pending),
    })),
  };
}
