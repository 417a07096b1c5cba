import type { Knex } from 'knex';
import { withDbErrors } from '../../db/errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

// The SQL every organization-scoped resource shares. Each query carries the organization id:
// a row of another organization is simply not found (DESIGN.md "Resources").

/**
 * A row as the database returns it for a resource whose response schema is `T`: the same
 * fields, with every `…_at` timestamp still a `Date` (the presenter turns them into strings).
 */
export type StoredRow<T> = { [K in keyof T]: K extends `${string}_at` ? (null extends T[K] ? Date | null : Date) : T[K] };

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  rows: T[];
  nextCursor: string | null;
}

/**
 * One page of `builder`, oldest first (newest first with `newestFirst`), keyed by `(at, id)`
 * columns. Fetches one extra row to know whether another page exists.
 */
export async function paginate<T>(
  knex: Knex,
  builder: Knex.QueryBuilder,
  page: PageRequest,
  keys: { at: string; id: string; newestFirst?: boolean },
): Promise<Page<T>> {
  const [after, order] = keys.newestFirst ? ['<', 'desc'] : ['>', 'asc'];
  if (page.cursor !== undefined) {
    const position = decodeCursor(page.cursor);
    builder.whereRaw(`(${keys.at}, ${keys.id}) ${after} (?::timestamptz, ?::uuid)`, [position.at, position.id]);
  }
  const rows = (await builder
    .select(knex.raw(`to_char(${keys.at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as _cursor_at`))
    .select(knex.raw(`${keys.id}::text as _cursor_id`))
    .orderByRaw(`${keys.at} ${order}, ${keys.id} ${order}`)
    .limit(page.limit + 1)) as Array<T & { _cursor_at: string; _cursor_id: string }>;
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  const nextCursor = more && last ? encodeCursor({ at: last._cursor_at, id: last._cursor_id }) : null;
  for (const row of pageRows) {
    delete (row as Partial<typeof row>)._cursor_at;
    delete (row as Partial<typeof row>)._cursor_id;
  }
  return { rows: pageRows, nextCursor };
}

/**
 * The SQL for a new row's `created_at`: `clock`, but strictly after every row already stored
 * under the same parent. Pages order by `(created_at, id)`, and the id is random, so two rows of
 * one parent must never share a time; PGlite's clock counts only milliseconds, and several rows
 * written in one transaction read one `now()`. Rows written in one transaction or under the
 * parent's row lock therefore keep their write order. `table` and `parent` are column names from
 * this code, never input.
 */
export function timeAfterSiblings(table: string, parent: string, clock: 'now()' | 'clock_timestamp()'): string {
  return `greatest(${clock}, (select max(s.created_at) + interval '1 microsecond' from ${table} s where s.${parent} = ?))`;
}

/** An ILIKE pattern matching `text` anywhere, its `%`, `_` and `\\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function scopedTable(knex: Knex, table: string, organizationId: string): Knex.QueryBuilder {
  return knex(table).where(`${table}.organization_id`, organizationId);
}

export async function findScoped<T>(knex: Knex, table: string, organizationId: string, id: string): Promise<T | undefined> {
  return (await scopedTable(knex, table, organizationId).where(`${table}.id`, id).first()) as T | undefined;
}

export async function insertScoped<T>(knex: Knex, table: string, values: Record<string, unknown>): Promise<T> {
  const [row] = await withDbErrors(() => knex(table).insert(values).returning('*'));
  return row as T;
}

/** Updates one row of the organization; undefined when there is none. */
export async function updateScoped<T>(
  knex: Knex,
  table: string,
  organizationId: string,
  id: string,
  patch: Record<string, unknown>,
): Promise<T | undefined> {
  const [row] = await withDbErrors(() =>
    scopedTable(knex, table, organizationId).where(`${table}.id`, id).update({ ...patch, updated_at: knex.fn.now() }).returning('*'),
  );
  return row as T | undefined;
}

/** Deletes one row of the organization; false when there was none. */
export async function deleteScoped(knex: Knex, table: string, organizationId: string, id: string): Promise<boolean> {
  // `returning` rather than the affected-row count, which not every driver (PGlite) reports.
  const rows = await scopedTable(knex, table, organizationId).where(`${table}.id`, id).delete().returning('id');
  return rows.length === 1;
}

export { jsonb } from '../../db/jsonb.js';
