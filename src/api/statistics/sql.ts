import type { Knex } from 'knex';
import type { STATISTICS_INTERVALS } from '../../contract/operations/statistics.js';

// SQL text with its positional bindings, built in order: the statistics are a few large
// statements whose filters come and go, and each `?` must meet its value.

export type Interval = (typeof STATISTICS_INTERVALS)[number];

export class Sql {
  text = '';
  readonly bindings: unknown[] = [];

  add(text: string, ...bindings: unknown[]): this {
    this.text += text;
    this.bindings.push(...bindings);
    return this;
  }

  async rows<T>(knex: Knex): Promise<T[]> {
    const result = (await knex.raw(this.text, this.bindings as Knex.RawBinding[])) as { rows: T[] };
    return result.rows;
  }
}

/**
 * The start of the bucket `column` falls in, as an instant. Days, weeks and months begin at
 * local midnight in `tz` (so a DST day is 23 or 25 hours long); hours are counted from the
 * period's first local hour, 3,600 s apart, so the repeated hour of a DST change stays two
 * buckets.
 */
export function bucketOf(sql: Sql, column: string, interval: Interval, from: string, tz: string): Sql {
  if (interval === 'hour') {
    return sql.add(`(date_trunc('hour', ?::timestamptz, ?::text) + floor(extract(epoch from ${column} - date_trunc('hour', ?::timestamptz, ?::text)) / 3600) * interval '1 hour')`,
      from, tz, from, tz);
  }
  return sql.add(`timezone(?::text, date_trunc(?::text, timezone(?::text, ${column})))`, tz, interval, tz);
}

/** Every bucket of `[from, to)` in order, empty ones included, with where it starts and ends. */
export async function buckets(knex: Knex, interval: Interval, from: string, to: string, tz: string): Promise<{ start: Date; end: Date }[]> {
  const sql = interval === 'hour'
    ? new Sql().add(`select start, start + interval '1 hour' as "end"
        from generate_series(date_trunc('hour', ?::timestamptz, ?::text), ?::timestamptz - interval '1 microsecond', interval '1 hour') as start`, from, tz, to)
    : new Sql().add(`select timezone(?::text, local) as start, timezone(?::text, local + ('1 ' || ?::text)::interval) as "end"
        from generate_series(date_trunc(?::text, timezone(?::text, ?::timestamptz)), timezone(?::text, ?::timestamptz - interval '1 microsecond'), ('1 ' || ?::text)::interval) as local`,
      tz, tz, interval, interval, tz, from, tz, to, interval);
  const rows = await sql.rows<{ start: Date | string; end: Date | string }>(knex);
  return rows.map((row) => ({ start: new Date(row.start), end: new Date(row.end) }));
}

/** A count, sum or average as Postgres returns it (`pg` gives strings for bigint and numeric). */
export function numberOf(value: unknown): number {
  return Number(value ?? 0);
}

/** Seconds to the millisecond, or null when nothing was measured. */
export function secondsOf(value: unknown): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value) * 1000) / 1000;
}
