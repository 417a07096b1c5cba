import type { Knex } from 'knex';

/** JSON for a jsonb column: knex would send a JS array as a Postgres array literal. */
export function jsonb(knex: Knex, value: unknown): Knex.Raw {
  return knex.raw('?::jsonb', [JSON.stringify(value)]);
}
