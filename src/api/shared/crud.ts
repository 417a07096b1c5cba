import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Operation } from '../../contract/operation.js';
import type { idParams } from '../../contract/schemas.js';
import { recordChange } from '../../domain/record-change.js';
import { callerOf, deletedResult, implement, type Binding, type Caller, type DataOf } from '../handler.js';
import { notFound } from './not-found.js';
import { deleteScoped, findScoped, insertScoped, jsonb, paginate, scopedTable, updateScoped, type PageRequest } from './queries.js';

/**
 * The five operations of a plain organization-scoped resource (contacts, forms, services,
 * knowledge…), built from one description: its table, its presenter, its list filters and the
 * rules a write must pass. Every write runs in a transaction with its audit row.
 */
export interface CrudSpec<Row extends { id: string }, Data> {
  /** Singular, for messages and the audit trail: `contact`. */
  readonly resource: string;
  readonly table: string;
  /** Columns stored as jsonb (knex would write arrays as Postgres arrays). */
  readonly jsonColumns?: readonly string[];
  /** The row as the operations' response schema documents it (checked by the compiler). */
  readonly present: (row: Row) => Data;
  /** Adds filters (and extra selected columns) of the list query; lives in the resource's queries.ts. */
  readonly listQuery?: (knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>) => void;
  /** Extra columns (counts) for fetch and for the rows returned by writes. */
  readonly decorate?: (knex: Knex, builder: Knex.QueryBuilder) => void;
  /** Rules of a write: may refuse (AppError) or return the values to store. `existing` on update. */
  readonly prepare?: (trx: Knex, caller: Caller, values: Record<string, unknown>, existing?: Row) => Promise<Record<string, unknown>>;
}

type Fields = z.ZodType<Record<string, unknown>>;

/** The five rows of a plain resource in the contract, as crud needs them. */
export type CrudOperations = {
  readonly list: Operation & { readonly list: true; readonly query: z.ZodType<PageRequest & Record<string, unknown>> };
  readonly fetch: Operation & { readonly params: typeof idParams };
  readonly create: Operation & { readonly body: Fields };
  readonly update: Operation & { readonly params: typeof idParams; readonly body: Fields };
  readonly delete: Operation & { readonly params: typeof idParams };
};

export function crudHandlers<G extends CrudOperations, Row extends { id: string }>(group: G, spec: CrudSpec<Row, DataOf<G['fetch']>>): Binding[] {
  const { resource, table } = spec;
  const action = (verb: keyof CrudOperations) => group[verb].name;

  const toColumns = (knex: Knex, values: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
      out[key] = spec.jsonColumns?.includes(key) && value !== null && value !== undefined ? jsonb(knex, value) : value;
    }
    return out;
  };

  async function load(knex: Knex, organizationId: string, id: string): Promise<Row | undefined> {
    if (!spec.decorate) return findScoped<Row>(knex, table, organizationId, id);
    const builder = scopedTable(knex, table, organizationId).where(`${table}.id`, id).select(`${table}.*`);
    spec.decorate(knex, builder);
    return (await builder.first()) as Row | undefined;
  }

  return implement<CrudOperations>(group, {
    async list(input) {
      const { identity } = callerOf(input);
      const builder = scopedTable(input.knex, table, identity.org).select(`${table}.*`);
      spec.decorate?.(input.knex, builder);
      spec.listQuery?.(input.knex, builder, input.query);
      const page = await paginate<Row>(input.knex, builder, input.query, { at: `${table}.created_at`, id: `${table}.id` });
      return { data: page.rows.map(spec.present), next_cursor: page.nextCursor };
    },

    async fetch(input) {
      const { identity } = callerOf(input);
      const row = await load(input.knex, identity.org, input.params.id);
      if (!row) throw notFound(resource);
      return { data: spec.present(row) };
    },

    async create(input) {
      const caller = callerOf(input);
      const row = await input.knex.transaction(async (trx) => {
        const values = spec.prepare ? await spec.prepare(trx, caller, input.body) : input.body;
        const inserted = await insertScoped<Row>(trx, table, { ...toColumns(trx, values), organization_id: caller.identity.org });
        await recordChange(trx, caller, { action: action('create'), resourceType: resource, resourceId: inserted.id, changes: input.body });
        return (await load(trx, caller.identity.org, inserted.id))!;
      });
      return { data: spec.present(row) };
    },

    async update(input) {
      const caller = callerOf(input);
      const { id } = input.params;
      const row = await input.knex.transaction(async (trx) => {
        const existing = await findScoped<Row>(trx, table, caller.identity.org, id);
        if (!existing) throw notFound(resource);
        const values = spec.prepare ? await spec.prepare(trx, caller, input.body, existing) : input.body;
        await updateScoped<Row>(trx, table, caller.identity.org, id, toColumns(trx, values));
        await recordChange(trx, caller, { action: action('update'), resourceType: resource, resourceId: id, changes: input.body });
        return (await load(trx, caller.identity.org, id))!;
      });
      return { data: spec.present(row) };
    },

    async delete(input) {
      const caller = callerOf(input);
      const { id } = input.params;
      await input.knex.transaction(async (trx) => {
        if (!(await deleteScoped(trx, table, caller.identity.org, id))) throw notFound(resource);
        await recordChange(trx, caller, { action: action('delete'), resourceType: resource, resourceId: id });
      });
      return deletedResult(id);
    },
  });
}

export function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
