import { z } from 'zod';
import { defineOperation } from '../define.js';
import { id, timestamp } from '../schemas.js';
import { AVAILABILITIES, member } from './members.js';

export { AVAILABILITIES };

// Statistics (seed 002 `/statistics/current`, seed 000 "chat statistics filtered by agent, tag,
// department, date"; DESIGN.md "Statistics"): agents and up, read only. Computed in SQL from the
// conversations, messages, ratings and tickets themselves, so a number never disagrees with the
// rows it counts.

export const STATISTICS_INTERVALS = ['hour', 'day', 'week', 'month'] as const;

/**
 * The longest period one interval may cover: a series stays a few hundred rows at most (31 days
 * of hours is 744), and a year of days bounds the scan.
 */
export const MAX_RANGE_DAYS: Readonly<Record<(typeof STATISTICS_INTERVALS)[number], number>> = { hour: 31, day: 366, week: 732, month: 1830 };

/** An IANA time zone name (`Europe/Berlin`, `UTC`); an unknown one is refused, never guessed. */
export const timeZone = z.string().max(64, 'must be at most 64 characters').refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin or UTC' });

function isTimeZone(value: string): boolean {
  // Abbreviations and offsets ("CET", "+02") mean different things to Intl and to Postgres.
  if (!/^[A-Za-z]+(?:[/_-][A-Za-z0-9+-]+)*$/.test(value) || (value !== 'UTC' && !value.includes('/'))) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const seconds = z.number().nullable().describe('seconds; null when nothing was measured');
const durationStats = z.object({ count: z.number().int(), avg: seconds, median: seconds, p90: seconds });

/** The metrics of one period or one bucket of it. */
export const chatMetrics = z.object({
  chats: z.number().int().describe('conversations started'),
  ended: z.number().int().describe('of those, ended'),
  missed: z.number().int().describe('ended without any agent or bot response'),
  resolutions: z.number().int().describe('closed'),
  first_response_time: durationStats.describe('from the start to the first agent or bot response'),
  reply_time: durationStats.describe('from a visitor\'s first unanswered message to the agent or bot response'),
  duration: durationStats.describe('from the start to the end, of ended conversations'),
  ratings: z.object({
    count: z.number().int(),
    average: z.number().nullable().describe('mean of the current ratings (1-5)'),
    response_rate: z.number().nullable().describe('rated / ended'),
  }),
  tickets_created: z.number().int(),
  tickets_solved: z.number().int(),
});

export const chatStatistics = z.object({
  from: timestamp,
  to: timestamp,
  tz: z.string(),
  interval: z.enum(STATISTICS_INTERVALS),
  totals: chatMetrics,
  series: z.array(chatMetrics.extend({ start: timestamp, end: timestamp })).describe('one row per interval bucket in `tz`, empty ones included'),
  previous: chatMetrics.extend({ from: timestamp, to: timestamp }).describe('the period of equal length just before'),
});

const liveCounts = {
  open: z.number().int(),
  pending: z.number().int(),
  unassigned: z.number().int().describe('open or pending without an assignee'),
  waiting: z.number().int().describe('open conversations whose visitor has had no agent or bot response yet'),
  longest_wait_s: z.number().int().nullable(),
};


export const currentStatistics = z.object({
  ...liveCounts,
  agents_online: z.number().int().describe('members set online and seen within the last few minutes'),
  today: z.object({
    tz: z.string(),
    since: timestamp,
    chats_started: z.number().int(),
    chats_ended: z.number().int(),
    messages: z.number().int(),
    tickets_created: z.number().int(),
    tickets_solved: z.number().int(),
  }),
  groups: z.array(z.object({ id, name: z.string(), ...liveCounts, agents_online: z.number().int() })),
  agents: z.array(z.object({
    id, name: z.string(), availability: z.enum(AVAILABILITIES), online: z.boolean(),
    open: z.number().int(), pending: z.number().int(),
  })),
});

const current = defineOperation({
  name: 'statistics.current', method: 'GET', path: '/statistics/current', role: 'agent', tag: 'statistics',
  description: 'Live statistics: open, pending, unassigned and waiting conversations, the longest wait, agents online, today\'s counts (in `tz`, UTC by default), and the same per group and per agent.',
  query: z.strictObject({ tz: timeZone.default('UTC') }),
  response: currentStatistics,
});

export const statisticsOperations = {
  current,
  chats: defineOperation({
    name: 'statistics.chats', method: 'GET', path: '/statistics/chats', role: 'agent', tag: 'statistics',
    description:
      'Chat statistics for `[from, to)`: totals, a series per `interval` in `tz` (buckets start at local midnight, Monday or the 1st; empty ones included) and the previous period of equal length. ' +
      'Conversations count in the period they started in; tickets by `created_at` and `solved_at`. Filters: `agent_id` (assignee), `tag`, `group_id` (department), `widget_id`. ' +
      `Medians and p90 are exact over the period. The longest range is ${MAX_RANGE_DAYS.hour} days by the hour, ${MAX_RANGE_DAYS.day} by the day.`,
    query: z.strictObject({
      from: timestamp,
      to: timestamp,
      tz: timeZone.default('UTC'),
      interval: z.enum(STATISTICS_INTERVALS, { error: `must be one of ${STATISTICS_INTERVALS.join(', ')}` }).default('day'),
      agent_id: id.optional(),
      tag: z.string().min(1).max(40, 'must be at most 40 characters').optional(),
      group_id: id.optional(),
      widget_id: id.optional(),
    }).superRefine((query, ctx) => {
      const span = Date.parse(query.to) - Date.parse(query.from);
      if (!(span > 0)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      else if (span > MAX_RANGE_DAYS[query.interval] * 86_400_000) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_RANGE_DAYS[query.interval]} days after from with interval ${query.interval}` });
      }
    }),
    response: chatStatistics,
  }),
};

/** The caller's own presence, which "agents online" counts. */
export const availabilityOperations = {
  update: defineOperation({
    name: 'users.updateAvailability', method: 'PATCH', path: '/users/me/availability', role: 'agent', tag: 'statistics',
    description: 'Set the caller\'s availability in the organization. An agent counts as online while `online` and seen within the last few minutes: the agent console sends this again as a heartbeat.',
    body: z.strictObject({ availability: z.enum(AVAILABILITIES, { error: `must be one of ${AVAILABILITIES.join(', ')}` }) }),
    response: member,
  }),
};
