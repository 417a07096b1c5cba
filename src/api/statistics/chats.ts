import type { Knex } from 'knex';
import type { z } from 'zod';
import type { chatMetrics, chatStatistics } from '../../contract/operations/statistics.js';
import { buckets, bucketOf, numberOf, secondsOf, Sql, type Interval } from './sql.js';

// Historical chat statistics (DESIGN.md "Statistics"): three statements per request whatever the
// filters (conversations with their replies and ratings, tickets, the bucket series), each over
// the current and the previous period at once. Medians and p90 are `percentile_cont` over every
// measured value of the period, never an average of per-bucket figures.

type Metrics = z.infer<typeof chatMetrics>;

export interface ChatStatisticsQuery {
  from: string;
  to: string;
  tz: string;
  interval: Interval;
  agent_id?: string | undefined;
  tag?: string | undefined;
  group_id?: string | undefined;
  widget_id?: string | undefined;
}

interface Period {
  organizationId: string;
  query: ChatStatisticsQuery;
  /** The previous period's start: both periods are read in one pass. */
  previousFrom: string;
}

/** `current` (in the requested period), and its bucket, which the previous period has none of. */
function periodColumns(sql: Sql, column: string, period: Period): Sql {
  const { from, interval, tz } = period.query;
  sql.add(`${column} >= ?::timestamptz as current, case when ${column} >= ?::timestamptz then `, from, from);
  return bucketOf(sql, column, interval, from, tz).add(' end as bucket');
}

function conversationScope(sql: Sql, period: Period): Sql {
  const { query, organizationId } = period;
  sql.add('select c.id, c.started_at, c.first_response_at, c.ended_at, c.status, ');
  periodColumns(sql, 'c.started_at', period);
  sql.add(' from conversations c where c.organization_id = ? and c.started_at >= ?::timestamptz and c.started_at < ?::timestamptz',
    organizationId, period.previousFrom, query.to);
  if (query.agent_id) sql.add(' and c.assignee_id = ?', query.agent_id);
  if (query.group_id) sql.add(' and c.group_id = ?', query.group_id);
  if (query.widget_id) sql.add(' and c.widget_id = ?', query.widget_id);
  if (query.tag) {
    sql.add(' and exists (select 1 from conversation_tags ct join tags t on t.id = ct.tag_id where ct.conversation_id = c.id and t.organization_id = ? and t.name = ?)',
      organizationId, query.tag);
  }
  return sql;
}

const durationColumns = (name: string, value: string) => `count(${value}) as ${name}_count, avg(${value}) as ${name}_avg,
  percentile_cont(0.5) within group (order by ${value}) as ${name}_median, percentile_cont(0.9) within group (order by ${value}) as ${name}_p90`;

/**
 * A reply is the first agent or bot message after one or more visitor messages; its time runs
 * from the first of those. The messages service stores it with the reply (`reply_seconds`, see
 * src/api/messages/queries.ts), so the period's replies come from a partial index, a few per
 * conversation, with no timeline to order.
 */
function conversationStatement(period: Period): Sql {
  const sql = new Sql().add('with scope as (');
  conversationScope(sql, period);
  sql.add(`), chats as (
    select s.current, s.bucket, grouping(s.bucket) as total, count(*) as chats,
      count(*) filter (where s.ended_at is not null) as ended,
      count(*) filter (where s.ended_at is not null and s.first_response_at is null
        and not exists (select 1 from messages m where m.conversation_id = s.id and m.author_type in ('agent', 'bot'))) as missed,
      count(*) filter (where s.status = 'closed') as resolutions,
      ${durationColumns('frt', 'extract(epoch from s.first_response_at - s.started_at)')},
      ${durationColumns('dur', 'extract(epoch from s.ended_at - s.started_at)')},
      count(r.score) as rated, avg(r.score) as score_avg
    from scope s left join lateral (
      select r.score from conversation_ratings r where r.conversation_id = s.id order by r.rated_at desc, r.id desc limit 1
    ) r on true
    group by grouping sets ((s.current), (s.current, s.bucket))
  ), reply_times as (
    select s.current, s.bucket, grouping(s.bucket) as total, ${durationColumns('reply', 'p.reply_seconds')}
    from scope s join messages p on p.conversation_id = s.id and p.reply_seconds is not null
    group by grouping sets ((s.current), (s.current, s.bucket))
  )
  select c.*, p.reply_count, p.reply_avg, p.reply_median, p.reply_p90 from chats c
  left join reply_times p on p.current = c.current and p.total = c.total and p.bucket is not distinct from c.bucket`);
  return sql;
}

function ticketStatement(period: Period): Sql {
  const { query, organizationId } = period;
  const sql = new Sql().add('with events as (');
  for (const [kind, column] of [['created', 't.created_at'], ['solved', 't.solved_at']] as const) {
    if (kind === 'solved') sql.add(' union all ');
    sql.add(`select '${kind}' as kind, `);
    periodColumns(sql, column, period);
    sql.add(` from tickets t where t.organization_id = ? and ${column} >= ?::timestamptz and ${column} < ?::timestamptz`, organizationId, period.previousFrom, query.to);
    if (query.agent_id) sql.add(' and t.assignee_id = ?', query.agent_id);
    if (query.group_id) sql.add(' and t.group_id = ?', query.group_id);
    if (query.widget_id) sql.add(' and exists (select 1 from conversations c where c.id = t.source_conversation_id and c.widget_id = ?)', query.widget_id);
    if (query.tag) {
      sql.add(' and exists (select 1 from ticket_tags tt join tags g on g.id = tt.tag_id where tt.ticket_id = t.id and g.organization_id = ? and g.name = ?)', organizationId, query.tag);
    }
  }
  return sql.add(`) select current, bucket, grouping(bucket) as total, count(*) filter (where kind = 'created') as created, count(*) filter (where kind = 'solved') as solved
    from events group by grouping sets ((current), (current, bucket))`);
}

type Row = Record<string, unknown> & { current: boolean; bucket: Date | string | null; total: number | string };

const duration = (row: Row | undefined, name: string) => ({
  count: numberOf(row?.[`${name}_count`]),
  avg: secondsOf(row?.[`${name}_avg`]), median: secondsOf(row?.[`${name}_median`]), p90: secondsOf(row?.[`${name}_p90`]),
});

function metricsOf(chats: Row | undefined, tickets: Row | undefined): Metrics {
  const ended = numberOf(chats?.ended);
  const rated = numberOf(chats?.rated);
  return {
    chats: numberOf(chats?.chats), ended, missed: numberOf(chats?.missed), resolutions: numberOf(chats?.resolutions),
    first_response_time: duration(chats, 'frt'), reply_time: duration(chats, 'reply'), duration: duration(chats, 'dur'),
    ratings: {
      count: rated,
      average: rated === 0 ? null : Math.round(numberOf(chats?.score_avg) * 100) / 100,
      response_rate: ended === 0 ? null : Math.round((rated / ended) * 10_000) / 10_000,
    },
    tickets_created: numberOf(tickets?.created), tickets_solved: numberOf(tickets?.solved),
  };
}

/** Rows keyed `current|previous` for totals and by bucket start for the current period's buckets. */
function keyed(rows: Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rows) {
    if (numberOf(row.total) === 1) out.set(row.current ? 'current' : 'previous', row);
    else if (row.current && row.bucket !== null) out.set(new Date(row.bucket).toISOString(), row);
  }
  return out;
}

export async function chatStatisticsOf(knex: Knex, organizationId: string, query: ChatStatisticsQuery): Promise<z.infer<typeof chatStatistics>> {
  const from = new Date(query.from);
  const to = new Date(query.to);
  const previousFrom = new Date(2 * from.getTime() - to.getTime()).toISOString();
  const period: Period = { organizationId, query: { ...query, from: from.toISOString(), to: to.toISOString() }, previousFrom };
  const chats = keyed(await conversationStatement(period).rows<Row>(knex));
  const tickets = keyed(await ticketStatement(period).rows<Row>(knex));
  const series = await buckets(knex, query.interval, period.query.from, period.query.to, query.tz);
  return {
    from: period.query.from, to: period.query.to, tz: query.tz, interval: query.interval,
    totals: metricsOf(chats.get('current'), tickets.get('current')),
    series: series.map(({ start, end }) => {
      const key = start.toISOString();
      return { start: key, end: end.toISOString(), ...metricsOf(chats.get(key), tickets.get(key)) };
    }),
    previous: { from: previousFrom, to: period.query.from, ...metricsOf(chats.get('previous'), tickets.get('previous')) },
  };
}
